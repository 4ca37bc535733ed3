//! StreamPortfolio: the account's portfolio now, then again after every change of the
//! ledger or the marks that changes it. Conflating: a reader is woken by a watch
//! channel that keeps only the latest change, and each message is the portfolio as it
//! is when the reader is ready, so a slow reader costs nothing and gets the latest.
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use quorum_kit::CancellationToken;
use quorum_proto::trading::v1::{Portfolio, StreamPortfolioResponse};
use tokio::sync::watch;
use tokio::time::Instant;
use tonic::Status;

use crate::convert;
use crate::portfolios::Portfolios;

/// One StreamPortfolio call.
pub struct PortfolioStream {
    portfolios: Arc<Portfolios>,
    account: String,
    changes: watch::Receiver<u64>,
    /// Least time between two messages.
    interval: Duration,
    shutdown: CancellationToken,
    last: Option<Portfolio>,
    last_sent: Option<Instant>,
}

impl PortfolioStream {
    pub fn new(
        portfolios: Arc<Portfolios>,
        account: String,
        interval: Duration,
        shutdown: CancellationToken,
    ) -> Self {
        let changes = portfolios.subscribe();
        Self {
            portfolios,
            account,
            changes,
            interval,
            shutdown,
            last: None,
            last_sent: None,
        }
    }

    pub fn into_stream(self) -> impl Stream<Item = Result<StreamPortfolioResponse, Status>> + Send {
        futures::stream::unfold(self, |mut stream| async move {
            let portfolio = stream.next_portfolio().await?;
            let message = StreamPortfolioResponse {
                portfolio: Some(portfolio),
            };
            Some((Ok(message), stream))
        })
    }

    /// The first portfolio at once, then the next one that differs from the last sent;
    /// `None` once the service shuts down.
    async fn next_portfolio(&mut self) -> Option<Portfolio> {
        loop {
            if self.last.is_some() {
                tokio::select! {
                    () = self.shutdown.cancelled() => return None,
                    changed = self.changes.changed() => changed.ok()?,
                }
                if let Some(sent) = self.last_sent {
                    tokio::select! {
                        () = self.shutdown.cancelled() => return None,
                        () = tokio::time::sleep_until(sent + self.interval) => {}
                    }
                }
                // Whatever changed while waiting is in the portfolio read now.
                self.changes.borrow_and_update();
            }
            let view = self.portfolios.portfolio(&self.account, None);
            let portfolio = convert::portfolio(&view);
            if self.last.as_ref() != Some(&portfolio) {
                self.last = Some(portfolio.clone());
                self.last_sent = Some(Instant::now());
                return Some(portfolio);
            }
        }
    }
}
