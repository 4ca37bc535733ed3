//! Builders of book messages and readers of books for the sync unit tests.
use std::str::FromStr;

use quorum_domain::{Decimal, Level, Symbol, Venue};

use crate::{BookMessage, BookMessageKind, SyncRule};

use super::{BookSync, SyncStep};

pub fn symbol() -> Symbol {
    Symbol::new("BTC", "USDT").unwrap()
}

pub fn sync(rule: SyncRule) -> BookSync {
    BookSync::new(Venue::Binance, symbol(), rule)
}

/// Levels written as "price:quantity", e.g. `levels(&["100:1", "99:0"])`.
pub fn levels(texts: &[&str]) -> Vec<Level> {
    texts
        .iter()
        .map(|text| {
            let (price, quantity) = text.split_once(':').unwrap();
            Level::new(
                Decimal::from_str(price).unwrap(),
                Decimal::from_str(quantity).unwrap(),
            )
        })
        .collect()
}

fn message(kind: BookMessageKind, first_id: i64, last_id: i64) -> BookMessage {
    BookMessage {
        symbol: symbol(),
        kind,
        first_id,
        last_id,
        prev_id: None,
        bids: Vec::new(),
        asks: Vec::new(),
        checksum: None,
        event_ms: 1_000 + last_id,
    }
}

/// A Binance or Gate.io delta `U..u` with one bid level.
pub fn delta(first_id: i64, last_id: i64, bid: &str) -> BookMessage {
    BookMessage {
        bids: levels(&[bid]),
        ..message(BookMessageKind::Delta, first_id, last_id)
    }
}

/// A REST snapshot with id `id`.
pub fn snapshot(id: i64, bids: &[&str], asks: &[&str]) -> BookMessage {
    BookMessage {
        bids: levels(bids),
        asks: levels(asks),
        ..message(BookMessageKind::Snapshot, id, id)
    }
}

/// An OKX delta (`prevSeqId`, `seqId`) with one ask level.
pub fn chained(prev_id: i64, seq_id: i64, ask: &str) -> BookMessage {
    BookMessage {
        prev_id: Some(prev_id),
        asks: levels(&[ask]),
        ..message(BookMessageKind::Delta, seq_id, seq_id)
    }
}

/// An OKX stream snapshot (`prevSeqId` -1).
pub fn stream_snapshot(seq_id: i64, bids: &[&str], asks: &[&str]) -> BookMessage {
    BookMessage {
        prev_id: Some(-1),
        ..snapshot(seq_id, bids, asks)
    }
}

/// The book as "price:quantity" texts, best first: (bids, asks).
pub fn book_texts(sync: &BookSync) -> (Vec<String>, Vec<String>) {
    let book = sync.book().expect("the book is synced");
    let text = |level: &Level| format!("{}:{}", level.price, level.quantity);
    (
        book.bids().map(text).collect(),
        book.asks().map(text).collect(),
    )
}

/// Sequences and snapshot flags of a step's updates.
pub fn published(step: &SyncStep) -> Vec<(u64, bool)> {
    step.updates
        .iter()
        .map(|update| (update.sequence, update.snapshot))
        .collect()
}
