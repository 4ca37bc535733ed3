//! The live transport against local servers on 127.0.0.1: REST answers come back as
//! sent, WebSocket text flows both ways, pings are answered, closes and unreachable
//! ports are reported as such.
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::{any, get};
use futures::{SinkExt, StreamExt};
use quorum_venues::live::{LiveTimeouts, LiveTransport};
use quorum_venues::{RestRequest, Transport, TransportError};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Echoes the request line, one header and the body, with a status the test chose.
async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: String) -> (StatusCode, String) {
    let key = headers
        .get("x-mbx-apikey")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = format!("{method} {uri} key={key} body={body}");
    (StatusCode::IM_A_TEAPOT, text)
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(3)).await;
    "late"
}

async fn rest_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = Router::new()
        .route("/echo", any(echo))
        .route("/slow", get(slow))
        .route(
            "/error",
            get(|| async {
                (
                    StatusCode::BAD_REQUEST,
                    r#"{"code":-1121,"msg":"Invalid symbol."}"#,
                )
            }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn rest_answers_come_back_as_the_venue_sent_them() {
    let base = rest_server().await;
    let transport = LiveTransport::new(format!("{base}/"), "ws://127.0.0.1:1/").unwrap();
    let mut request = RestRequest::get("/echo", "symbol=BTCUSDT&limit=5");
    request.method = "POST";
    request.body = "side=BUY".into();
    request
        .headers
        .push(("X-MBX-APIKEY".into(), "key-1".into()));
    let answer = transport.request(request).await.unwrap();
    assert_eq!(answer.status, 418);
    assert_eq!(
        answer.body,
        "POST /echo?symbol=BTCUSDT&limit=5 key=key-1 body=side=BUY"
    );

    let refused = transport
        .request(RestRequest::get("/error", ""))
        .await
        .unwrap();
    assert_eq!(
        (refused.status, refused.body.as_str()),
        (400, r#"{"code":-1121,"msg":"Invalid symbol."}"#)
    );
}

#[tokio::test]
async fn slow_answers_and_closed_ports_are_unreachable() {
    let base = rest_server().await;
    let timeouts = LiveTimeouts {
        connect: Duration::from_millis(500),
        request: Duration::from_millis(300),
    };
    let port = closed_port().await;
    let transport =
        LiveTransport::with_timeouts(base, format!("ws://127.0.0.1:{port}/ws"), timeouts).unwrap();
    match transport.request(RestRequest::get("/slow", "")).await {
        Err(TransportError::Unreachable(reason)) => {
            assert!(reason.contains("timed out"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let nowhere =
        LiveTransport::with_timeouts(format!("http://127.0.0.1:{port}"), "ws://x/", timeouts)
            .unwrap();
    match nowhere.request(RestRequest::get("/echo", "")).await {
        Err(TransportError::Unreachable(reason)) => {
            assert!(reason.contains("cannot connect"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    match transport.connect().await {
        Err(TransportError::Unreachable(reason)) => {
            assert!(reason.contains(&port.to_string()), "{reason}")
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("connected to a closed port"),
    }
}

#[tokio::test]
async fn websocket_text_flows_pings_are_answered_and_a_close_is_reported() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (pong_seen, pong_received) = oneshot::channel();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut socket = tokio_tungstenite::accept_async(socket).await.unwrap();
        // The client's subscribe message, answered with an ack.
        let subscribe = socket.next().await.unwrap().unwrap();
        assert_eq!(subscribe, Message::Text(r#"{"method":"SUBSCRIBE"}"#.into()));
        socket
            .send(Message::Text(r#"{"result":null,"id":1}"#.into()))
            .await
            .unwrap();
        socket
            .send(Message::Ping(b"are you there".to_vec().into()))
            .await
            .unwrap();
        socket
            .send(Message::Text("after ping".into()))
            .await
            .unwrap();
        socket
            .send(Message::Binary(b"binary text".to_vec().into()))
            .await
            .unwrap();
        socket
            .send(Message::Binary(vec![0xff, 0xfe, 0x00].into()))
            .await
            .unwrap();
        socket
            .send(Message::Text("after binary".into()))
            .await
            .unwrap();
        // The client's next frame is its answer to the ping.
        match socket.next().await.unwrap().unwrap() {
            Message::Pong(payload) => {
                let _ = pong_seen.send(payload.to_vec());
            }
            other => panic!("expected the pong, got {other:?}"),
        }
        socket
            .send(Message::Close(Some(CloseFrame {
                code: CloseCode::Away,
                reason: "maintenance".into(),
            })))
            .await
            .unwrap();
        // Let the close handshake finish before the socket drops.
        while let Some(Ok(_)) = socket.next().await {}
    });

    let transport = LiveTransport::new("http://127.0.0.1:1", format!("ws://{address}/ws")).unwrap();
    let mut connection = transport.connect().await.unwrap();
    connection
        .send(r#"{"method":"SUBSCRIBE"}"#.to_string())
        .await
        .unwrap();
    assert_eq!(
        connection.next().await.unwrap(),
        r#"{"result":null,"id":1}"#
    );
    assert_eq!(connection.next().await.unwrap(), "after ping");
    assert_eq!(connection.next().await.unwrap(), "binary text");
    // The frame that is not UTF-8 is skipped.
    assert_eq!(connection.next().await.unwrap(), "after binary");
    let closed = tokio::time::timeout(Duration::from_secs(5), connection.next())
        .await
        .unwrap();
    match closed {
        Err(TransportError::Closed(reason)) => assert!(reason.contains("maintenance"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let pong = tokio::time::timeout(Duration::from_secs(5), pong_received)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pong, b"are you there");
    // The server ends only once the client answered its close.
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_dropped_websocket_is_closed() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut socket = tokio_tungstenite::accept_async(socket).await.unwrap();
        socket
            .send(Message::Text("only message".into()))
            .await
            .unwrap();
        // Dropped without a close frame, as a network failure would.
    });
    let transport = LiveTransport::new("http://127.0.0.1:1", format!("ws://{address}/")).unwrap();
    let mut connection = transport.connect().await.unwrap();
    assert_eq!(connection.next().await.unwrap(), "only message");
    server.await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(5), connection.next())
        .await
        .unwrap();
    assert!(matches!(ended, Err(TransportError::Closed(_))), "{ended:?}");
}
