//! Marks from price-feed: the mid of each symbol's consolidated quote, with the quote's
//! time, followed through StreamQuotes. While price-feed is down the stream is opened
//! again with backoff and the last marks stay (each carries its time); a quote without
//! a mid (no venue left to quote it) forgets the symbol's mark.
use std::sync::Arc;

use quorum_domain::Symbol;
use quorum_domain::convert::parse_optional_decimal;
use quorum_kit::CancellationToken;
use quorum_kit::client::{ServiceChannel, backoff};
use quorum_ledger::Mark;
use quorum_proto::marketdata::v1::price_feed_service_client::PriceFeedServiceClient;
use quorum_proto::marketdata::v1::{Quote, StreamQuotesRequest};
use rust_decimal::Decimal;

use crate::portfolios::Portfolios;

/// Follows every symbol's quote until `shutdown`.
pub async fn follow(
    channel: ServiceChannel,
    portfolios: Arc<Portfolios>,
    shutdown: CancellationToken,
) {
    let mut failures = 0u32;
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => return,
            received = stream_once(channel.clone(), &portfolios) => received,
        };
        failures = if received > 0 {
            1
        } else {
            failures.saturating_add(1)
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(backoff(failures)) => {}
        }
    }
}

/// Reads one StreamQuotes call to its end; returns how many quotes arrived.
async fn stream_once(channel: ServiceChannel, portfolios: &Portfolios) -> u64 {
    let mut client = PriceFeedServiceClient::new(channel);
    let request = StreamQuotesRequest { symbols: vec![] };
    let mut stream = match client.stream_quotes(request).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            tracing::warn!(code = ?status.code(), message = status.message(),
                "price-feed is unavailable; marks will follow when it answers");
            return 0;
        }
    };
    tracing::info!("following marks from price-feed");
    let mut received = 0u64;
    loop {
        match stream.message().await {
            Ok(Some(message)) => {
                received += 1;
                if let Some(quote) = message.quote {
                    apply(portfolios, &quote);
                }
            }
            Ok(None) => {
                tracing::warn!("price-feed ended the quote stream; reconnecting");
                return received;
            }
            Err(status) => {
                tracing::warn!(code = ?status.code(), message = status.message(),
                    "price-feed quote stream failed; reconnecting");
                return received;
            }
        }
    }
}

/// Records a quote's mid as its symbol's mark (or forgets the mark when there is none).
pub fn apply(portfolios: &Portfolios, quote: &Quote) {
    let Ok(symbol) = quote.symbol.parse::<Symbol>() else {
        tracing::debug!(symbol = %quote.symbol, "quote for a symbol that does not parse; ignored");
        return;
    };
    portfolios.set_mark(symbol, mark(quote));
}

/// The mark a quote gives: its mid, when above zero, at the quote's time.
pub fn mark(quote: &Quote) -> Option<Mark> {
    let mid = parse_optional_decimal("mid", quote.mid.as_ref()).ok()??;
    (mid > Decimal::ZERO).then_some(Mark {
        price: mid,
        at_ms: quote.updated_unix_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_proto::common::v1 as common;

    fn quote(mid: Option<&str>) -> Quote {
        Quote {
            symbol: "BTC-USDT".into(),
            mid: mid.map(|value| common::Decimal {
                value: value.into(),
            }),
            updated_unix_ms: 1_700_000_000_000,
            ..Quote::default()
        }
    }

    #[test]
    fn the_mid_is_the_mark_with_the_quote_time() {
        let mark = mark(&quote(Some("42000.5"))).unwrap();
        assert_eq!(mark.price, Decimal::new(420005, 1));
        assert_eq!(mark.at_ms, 1_700_000_000_000);
    }

    #[test]
    fn no_mid_or_a_bad_one_is_no_mark() {
        for mid in [None, Some(""), Some("0"), Some("-1"), Some("abc")] {
            assert_eq!(super::mark(&quote(mid)), None, "{mid:?}");
        }
    }
}
