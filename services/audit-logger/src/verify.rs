//! Chain verification: walks records in pages, recomputing each hash and link, and
//! compares the chain with its signed checkpoints.
use std::collections::HashMap;

use sqlx::PgPool;

use crate::chain::{GENESIS_HASH, Record};
use crate::store;

/// Records read per database round trip.
pub const PAGE_SIZE: u32 = 500;

/// What is wrong with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Its content does not hash to its stored hash (or to the signed checkpoint).
    Tampered,
    /// The sequence number is absent.
    Missing,
    /// Its prev_hash is not the previous record's hash.
    BrokenLink,
}

/// The first record that does not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub sequence: u64,
    pub problem: Problem,
    pub message: String,
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checked_records: u64,
    pub finding: Option<Finding>,
    pub head_sequence: u64,
    pub head_hash: String,
}

/// Checks records one after the other.
#[derive(Debug)]
pub struct Verifier {
    expected: u64,
    prev_hash: Option<String>,
    checked: u64,
}

impl Verifier {
    /// Starts at `from`; `prev_hash` is the hash the first record must link to, when known.
    pub fn new(from: u64, prev_hash: Option<String>) -> Self {
        Self {
            expected: from,
            prev_hash,
            checked: 0,
        }
    }

    /// The next sequence that must follow.
    pub fn expected(&self) -> u64 {
        self.expected
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// Checks the next record; `signed_hash` is the hash a checkpoint signed for it.
    pub fn check(&mut self, record: &Record, signed_hash: Option<&str>) -> Result<(), Finding> {
        let sequence = record.sequence;
        if sequence != self.expected {
            return Err(missing(self.expected, Some(sequence)));
        }
        if record.recomputed_hash() != record.hash {
            return Err(finding(
                sequence,
                Problem::Tampered,
                format!(
                    "record {sequence}'s content does not hash to its stored hash: it was changed after it was written"
                ),
            ));
        }
        if let Some(signed) = signed_hash.filter(|signed| *signed != record.hash) {
            return Err(finding(
                sequence,
                Problem::Tampered,
                format!(
                    "record {sequence}'s hash {} differs from the hash {signed} its signed checkpoint holds: the chain was rewritten",
                    record.hash
                ),
            ));
        }
        if let Some(prev) = self
            .prev_hash
            .as_deref()
            .filter(|prev| *prev != record.prev_hash)
        {
            return Err(finding(
                sequence,
                Problem::BrokenLink,
                format!(
                    "record {sequence}'s prev_hash {} is not the hash {prev} of record {}",
                    record.prev_hash,
                    sequence.saturating_sub(1)
                ),
            ));
        }
        self.checked += 1;
        self.expected = sequence + 1;
        self.prev_hash = Some(record.hash.clone());
        Ok(())
    }
}

/// Verifies records `from..=to` (0 means the first and the last record).
pub async fn verify(pool: &PgPool, from: u64, to: u64) -> Result<Verification, sqlx::Error> {
    let (head_sequence, head_hash) = store::head(pool).await?.unwrap_or((0, String::new()));
    let from = from.max(1);
    let to = if to == 0 {
        head_sequence
    } else {
        to.min(head_sequence)
    };
    let verification = |verifier: &Verifier, finding: Option<Finding>| Verification {
        checked_records: verifier.checked(),
        finding,
        head_sequence,
        head_hash: head_hash.clone(),
    };
    let prev_hash = if from == 1 {
        Some(GENESIS_HASH.to_string())
    } else {
        store::hash_at(pool, from - 1).await?
    };
    let mut verifier = Verifier::new(from, prev_hash);
    let mut next = from;
    while next <= to {
        let page = store::range(pool, next, to, PAGE_SIZE).await?;
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            break;
        };
        let signed: HashMap<u64, String> =
            store::checkpoints_between(pool, first.sequence, last.sequence)
                .await?
                .into_iter()
                .map(|checkpoint| (checkpoint.sequence, checkpoint.hash))
                .collect();
        for record in &page {
            let signed_hash = signed.get(&record.sequence).map(String::as_str);
            if let Err(finding) = verifier.check(record, signed_hash) {
                return Ok(verification(&verifier, Some(finding)));
            }
        }
        next = last.sequence + 1;
    }
    if from <= to && verifier.expected() <= to {
        let expected = verifier.expected();
        return Ok(verification(&verifier, Some(missing(expected, None))));
    }
    if let Some(finding) = truncated_tail(pool, from, to, head_sequence).await? {
        return Ok(verification(&verifier, Some(finding)));
    }
    Ok(verification(&verifier, None))
}

/// Records removed from the end leave no gap; the newest checkpoint still remembers them.
async fn truncated_tail(
    pool: &PgPool,
    from: u64,
    to: u64,
    head: u64,
) -> Result<Option<Finding>, sqlx::Error> {
    if to < head {
        return Ok(None);
    }
    let newest = store::list_checkpoints(pool, 1).await?;
    Ok(newest
        .first()
        .filter(|checkpoint| checkpoint.sequence > head && checkpoint.sequence >= from)
        .map(|checkpoint| {
            finding(
                head + 1,
                Problem::Missing,
                format!(
                    "record {} is missing: the chain ends at {head} but a signed checkpoint covers records up to {}",
                    head + 1,
                    checkpoint.sequence
                ),
            )
        }))
}

fn missing(sequence: u64, next_found: Option<u64>) -> Finding {
    let message = match next_found {
        Some(found) => format!("record {sequence} is missing: the next stored record is {found}"),
        None => format!("record {sequence} is missing: no record follows within the range"),
    };
    finding(sequence, Problem::Missing, message)
}

fn finding(sequence: u64, problem: Problem, message: String) -> Finding {
    Finding {
        sequence,
        problem,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{Event, Outcome};

    fn chain(length: u64) -> Vec<Record> {
        let mut records: Vec<Record> = Vec::new();
        for sequence in 1..=length {
            let prev = records
                .last()
                .map_or(GENESIS_HASH.to_string(), |record| record.hash.clone());
            let event = Event {
                event_id: format!("e{sequence}"),
                actor: "alice".into(),
                action: "x.y".into(),
                resource: String::new(),
                outcome: Outcome::Success,
                occurred_at_ms: 10,
                source_service: String::new(),
                source_address: String::new(),
                details_json: String::new(),
            };
            records.push(Record::seal(sequence, event, 20, prev));
        }
        records
    }

    fn run(records: &[Record]) -> Result<u64, Finding> {
        let mut verifier = Verifier::new(1, Some(GENESIS_HASH.into()));
        for record in records {
            verifier.check(record, None)?;
        }
        Ok(verifier.checked())
    }

    #[test]
    fn intact_chain_passes() {
        assert_eq!(run(&chain(5)), Ok(5));
    }

    #[test]
    fn changed_content_is_tampered() {
        let mut records = chain(5);
        records[2].event.actor = "mallory".into();
        let finding = run(&records).unwrap_err();
        assert_eq!((finding.sequence, finding.problem), (3, Problem::Tampered));
    }

    #[test]
    fn gap_is_missing_including_the_first() {
        let mut records = chain(5);
        records.remove(3);
        let finding = run(&records).unwrap_err();
        assert_eq!((finding.sequence, finding.problem), (4, Problem::Missing));
        let finding = run(&chain(3)[1..]).unwrap_err();
        assert_eq!((finding.sequence, finding.problem), (1, Problem::Missing));
    }

    #[test]
    fn rewritten_record_breaks_the_next_link() {
        let mut records = chain(5);
        records[2].event.actor = "mallory".into();
        records[2].hash = records[2].recomputed_hash();
        let finding = run(&records).unwrap_err();
        assert_eq!(
            (finding.sequence, finding.problem),
            (4, Problem::BrokenLink)
        );
    }

    #[test]
    fn rewritten_chain_differs_from_the_checkpoint() {
        let records = chain(3);
        let mut verifier = Verifier::new(1, Some(GENESIS_HASH.into()));
        verifier.check(&records[0], Some(&records[0].hash)).unwrap();
        let finding = verifier
            .check(&records[1], Some(&"f".repeat(64)))
            .unwrap_err();
        assert_eq!((finding.sequence, finding.problem), (2, Problem::Tampered));
    }
}
