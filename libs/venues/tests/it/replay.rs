//! Recorded sessions: a simulated session recorded to a file plays back the same
//! messages in the same order, and the venue's parser and book sync rebuild the same
//! books from it; broken recordings and failed writes are reported, never skipped.
use std::path::PathBuf;
use std::time::Duration;

use quorum_domain::Venue;
use quorum_venues::replay::{
    Entry, RecordingTransport, ReplayError, ReplayOptions, ReplayTransport, read_records,
};
use quorum_venues::sim::{SimConfig, SimTransport};
use quorum_venues::{RestRequest, Transport, TransportError};

use crate::sim::read_transport;

/// A fresh path under the system's temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        let unique = format!(
            "quorum-venues-{name}-{}-{}.jsonl",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        Self(std::env::temp_dir().join(unique))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn fast() -> ReplayOptions {
    ReplayOptions { time_scale: 0.0 }
}

#[tokio::test]
async fn a_recorded_session_replays_the_same_messages_and_rebuilds_the_same_books() {
    let config = SimConfig {
        step_ms: 20,
        ..SimConfig::with_seed(8)
    };
    for kind in Venue::ALL {
        let file = TempFile::new(kind.as_str());
        let recording =
            RecordingTransport::create(SimTransport::new(kind, config.clone()).unwrap(), &file.0)
                .unwrap();
        let live = read_transport(kind, &recording, Duration::from_millis(500)).await;
        recording.flush().unwrap();
        assert!(
            live.received.len() > 20,
            "{kind}: {} messages",
            live.received.len()
        );

        // The file holds every message read, verbatim and in order, and the REST answers.
        let text = std::fs::read_to_string(&file.0).unwrap();
        let records = read_records(text.as_bytes(), "recording").unwrap();
        let recorded: Vec<&str> = records
            .iter()
            .filter_map(|record| match &record.entry {
                Entry::Ws { message } => Some(message.as_str()),
                Entry::Rest(_) => None,
            })
            .collect();
        assert_eq!(recorded, live.received, "{kind}: recorded messages");
        assert!(
            records
                .windows(2)
                .all(|pair| pair[0].received_at_ms <= pair[1].received_at_ms),
            "{kind}: receive times go back"
        );

        // Played as fast as possible: the same messages, then the end of the recording.
        let replay = ReplayTransport::open(&file.0, fast()).unwrap();
        let mut connection = replay.connect().await.unwrap();
        let mut played = Vec::new();
        loop {
            match connection.next().await {
                Ok(message) => played.push(message),
                Err(TransportError::EndOfRecording) => break,
                Err(error) => panic!("{kind}: {error}"),
            }
        }
        assert_eq!(played, live.received, "{kind}: replayed messages");

        // A connector on the replay ends with the books it had live.
        let replay = ReplayTransport::open(&file.0, fast()).unwrap();
        let replayed = read_transport(kind, &replay, Duration::from_secs(30)).await;
        assert_eq!(replayed.received, live.received, "{kind}");
        for instrument in &live.instruments {
            let live_book = live.syncs[&instrument.symbol].book();
            assert!(
                live_book.is_some(),
                "{kind} {}: never synced",
                instrument.symbol
            );
            assert_eq!(
                replayed.syncs[&instrument.symbol].book(),
                live_book,
                "{kind} {}: replayed book differs",
                instrument.symbol
            );
        }
        assert_eq!(replayed.trades, live.trades, "{kind}: trades");
    }
}

#[tokio::test]
async fn rest_answers_are_played_back_and_unrecorded_requests_get_404() {
    let file = TempFile::new("rest");
    let recording = RecordingTransport::create(
        SimTransport::new(Venue::Gateio, SimConfig::default()).unwrap(),
        &file.0,
    )
    .unwrap();
    let request = RestRequest::get(
        "/api/v4/spot/order_book",
        "currency_pair=BTC_USDT&limit=5&with_id=true",
    );
    let live = recording.request(request.clone()).await.unwrap();
    let missing = recording
        .request(RestRequest::get("/api/v4/nowhere", ""))
        .await
        .unwrap();
    assert_eq!((live.status, missing.status), (200, 404));

    let replay = ReplayTransport::open(&file.0, fast()).unwrap();
    assert_eq!(replay.len(), 2);
    // Parameters in another order are the same request.
    let reordered = RestRequest::get(
        "/api/v4/spot/order_book",
        "with_id=true&limit=5&currency_pair=BTC_USDT",
    );
    assert_eq!(replay.request(reordered).await.unwrap(), live);
    let recorded_404 = replay
        .request(RestRequest::get("/api/v4/nowhere", ""))
        .await
        .unwrap();
    assert_eq!(recorded_404, missing);
    let unrecorded = replay
        .request(RestRequest::get(
            "/api/v4/spot/order_book",
            "currency_pair=ETH_USDT",
        ))
        .await
        .unwrap();
    assert_eq!(unrecorded.status, 404);
    assert!(
        unrecorded.body.contains("no response"),
        "{}",
        unrecorded.body
    );
    // Nothing was recorded on a stream: there is nothing to connect to.
    assert_eq!(
        replay.connect().await.err(),
        Some(TransportError::EndOfRecording)
    );
}

#[test]
fn malformed_recordings_are_refused_naming_the_line() {
    let file = TempFile::new("malformed");
    let good = r#"{"received_at_ms":1700000000123,"kind":"ws","message":"{}"}"#;
    let cases = [
        (
            format!("{good}\n\n{{\"received_at_ms\":1,\"kind\":\"ws\"\n"),
            3,
        ),
        (
            format!("{good}\n{{\"kind\":\"ws\",\"message\":\"x\"}}\n"),
            2,
        ),
        (format!("{good}\n{good}\n{good}\nplain text\n"), 4),
        (
            "{\"received_at_ms\":1,\"kind\":\"fax\",\"message\":\"x\"}".to_string(),
            1,
        ),
    ];
    for (text, line) in cases {
        std::fs::write(&file.0, &text).unwrap();
        match ReplayTransport::open(&file.0, fast()) {
            Err(ReplayError::Line {
                line: found,
                reason,
            }) => {
                assert_eq!(found, line, "{text:?}: {reason}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    let missing = ReplayTransport::open(file.0.with_extension("absent"), fast());
    assert!(
        matches!(missing, Err(ReplayError::Io { .. })),
        "{missing:?}"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_recording_that_cannot_be_written_ends_the_session() {
    let recording = RecordingTransport::create(
        SimTransport::new(Venue::Okx, SimConfig::default()).unwrap(),
        "/dev/full",
    )
    .unwrap();
    let failed = recording
        .request(RestRequest::get(
            "/api/v5/public/instruments",
            "instType=SPOT",
        ))
        .await;
    match failed {
        Err(TransportError::Closed(reason)) => {
            assert!(
                reason.contains("cannot write the recording /dev/full"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    let mut connection = recording.connect().await.unwrap();
    connection
        .send(r#"{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}"#.to_string())
        .await
        .unwrap();
    assert!(matches!(
        connection.next().await,
        Err(TransportError::Closed(_))
    ));
}
