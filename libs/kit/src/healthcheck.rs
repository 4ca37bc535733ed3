//! The `healthcheck` subcommand: a grpc.health.v1 Check against the service's own port,
//! so container images need no shell, curl or grpcurl.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// Exit code 0 when the service answers SERVING, 1 otherwise (with one line on stderr).
pub async fn run(grpc_addr: SocketAddr) -> u8 {
    let target = local_target(grpc_addr);
    match check(target).await {
        Ok(ServingStatus::Serving) => 0,
        Ok(status) => {
            eprintln!("{target}: {status:?}");
            1
        }
        Err(problem) => {
            eprintln!("{target}: {problem}");
            1
        }
    }
}

/// Whether the service at `grpc_addr` answers SERVING, without printing anything.
pub async fn is_serving(grpc_addr: SocketAddr) -> bool {
    matches!(
        check(local_target(grpc_addr)).await,
        Ok(ServingStatus::Serving)
    )
}

/// A wildcard listen address is checked on loopback.
pub fn local_target(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    }
}

async fn check(target: SocketAddr) -> Result<ServingStatus, String> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{target}"))
        .map_err(|error| error.to_string())?
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(2))
        .connect()
        .await
        .map_err(|error| format!("cannot connect: {error}"))?;
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map_err(|status| format!("{:?}: {}", status.code(), status.message()))?;
    Ok(response.into_inner().status())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_becomes_loopback() {
        let addr: SocketAddr = "0.0.0.0:50137".parse().unwrap();
        assert_eq!(local_target(addr).to_string(), "127.0.0.1:50137");
        let addr: SocketAddr = "10.1.2.3:5".parse().unwrap();
        assert_eq!(local_target(addr), addr);
    }

    #[tokio::test]
    async fn nothing_listening_is_unhealthy() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        assert_eq!(run(addr).await, 1);
    }
}
