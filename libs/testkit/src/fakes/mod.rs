//! Scripted stand-ins for the services a service under test calls (a venue connector,
//! consensus-engine, risk-manager, compliance-checker, trade-history), served over real
//! gRPC on 127.0.0.1:0. They answer what the test sets and record what they were asked,
//! so a test can check both sides of each call. Methods a fake does not script answer
//! UNIMPLEMENTED.
mod checks;
mod exchange;

use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};

pub use checks::{FakeCompliance, FakeConsensus, FakeRisk, FakeTradeHistory};
pub use exchange::{FakeExchange, FakeExchangeState, ResyncCall};

/// Serves `router` on a free loopback port until the test ends.
#[allow(clippy::expect_used)]
pub async fn serve(router: tonic::transport::server::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    let incoming = tokio_stream_from(listener);
    tokio::spawn(router.serve_with_incoming(incoming));
    addr
}

fn tokio_stream_from(
    listener: tokio::net::TcpListener,
) -> impl futures::Stream<Item = Result<tokio::net::TcpStream, std::io::Error>> {
    futures::stream::unfold(listener, |listener| async move {
        let accepted = listener.accept().await.map(|(stream, _)| stream);
        Some((accepted, listener))
    })
}

/// The URL a kit uses for a fake at `addr`.
pub fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
