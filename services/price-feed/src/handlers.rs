//! The PriceFeedService RPC handlers: request checks, then answers from the hub.
use std::collections::HashSet;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use quorum_domain::Symbol;
use quorum_domain::convert::parse_symbol;
use quorum_kit::CancellationToken;
use quorum_kit::errors::{FieldErrors, invalid_field};
use quorum_proto::marketdata::v1::price_feed_service_server::PriceFeedService;
use quorum_proto::marketdata::v1::{
    GetQuoteRequest, GetQuoteResponse, GetQuotesRequest, GetQuotesResponse, StreamQuotesRequest,
    StreamQuotesResponse,
};
use tonic::{Request, Response, Status};

use crate::convert;
use crate::hub::Hub;
use crate::subscription::Subscription;

/// The most symbols one GetQuotes or StreamQuotes call may name.
pub const MAX_SYMBOLS: usize = 1000;

pub struct PriceFeedHandler {
    hub: Arc<Hub>,
    shutdown: CancellationToken,
}

impl PriceFeedHandler {
    /// Quote streams end when `shutdown` is cancelled.
    pub fn new(hub: Arc<Hub>, shutdown: CancellationToken) -> Self {
        Self { hub, shutdown }
    }
}

type QuoteStream = Pin<Box<dyn Stream<Item = Result<StreamQuotesResponse, Status>> + Send>>;

#[tonic::async_trait]
impl PriceFeedService for PriceFeedHandler {
    async fn get_quote(
        &self,
        request: Request<GetQuoteRequest>,
    ) -> Result<Response<GetQuoteResponse>, Status> {
        let request = request.into_inner();
        let symbol = parse_symbol("symbol", &request.symbol)
            .map_err(|problem| invalid_field(&problem.field, problem.problem))?;
        let quote = self
            .hub
            .quote_at(&symbol, crate::now_ms())
            .ok_or_else(|| not_found(&[symbol]))?;
        Ok(Response::new(GetQuoteResponse {
            quote: Some(convert::quote(&quote)),
        }))
    }

    async fn get_quotes(
        &self,
        request: Request<GetQuotesRequest>,
    ) -> Result<Response<GetQuotesResponse>, Status> {
        let symbols = parse_symbols(&request.into_inner().symbols)?;
        let now_ms = crate::now_ms();
        let quotes = if symbols.is_empty() {
            self.hub.all_quotes_at(now_ms)
        } else {
            let mut found = Vec::with_capacity(symbols.len());
            let mut missing = Vec::new();
            for symbol in symbols {
                match self.hub.quote_at(&symbol, now_ms) {
                    Some(quote) => found.push(quote),
                    None => missing.push(symbol),
                }
            }
            if !missing.is_empty() {
                return Err(not_found(&missing));
            }
            found
        };
        Ok(Response::new(GetQuotesResponse {
            quotes: quotes.iter().map(|quote| convert::quote(quote)).collect(),
        }))
    }

    type StreamQuotesStream = QuoteStream;

    async fn stream_quotes(
        &self,
        request: Request<StreamQuotesRequest>,
    ) -> Result<Response<Self::StreamQuotesStream>, Status> {
        let symbols = parse_symbols(&request.into_inner().symbols)?;
        let filter = (!symbols.is_empty()).then(|| symbols.into_iter().collect::<HashSet<_>>());
        let reader = Reader {
            hub: self.hub.clone(),
            subscription: self.hub.subscribe(filter),
            shutdown: self.shutdown.clone(),
        };
        Ok(Response::new(Box::pin(reader.into_stream())))
    }
}

/// One StreamQuotes call: sends the latest quote of each symbol that changed, as fast
/// as the client reads and no faster.
struct Reader {
    hub: Arc<Hub>,
    subscription: Arc<Subscription>,
    shutdown: CancellationToken,
}

impl Reader {
    fn into_stream(self) -> impl Stream<Item = Result<StreamQuotesResponse, Status>> + Send {
        futures::stream::unfold(self, |reader| async move {
            let quote = reader.next_quote().await?;
            let message = StreamQuotesResponse {
                quote: Some(convert::quote(&quote)),
            };
            Some((Ok(message), reader))
        })
    }

    /// The next changed quote; `None` once the service shuts down.
    async fn next_quote(&self) -> Option<Arc<crate::quote::Quote>> {
        loop {
            while let Some(symbol) = self.subscription.take() {
                if let Some(quote) = self.hub.current(&symbol) {
                    return Some(quote);
                }
            }
            tokio::select! {
                () = self.shutdown.cancelled() => return None,
                () = self.subscription.wait_for_change() => {}
            }
        }
    }
}

/// Checks a list of symbols, naming each bad one by its index; duplicates are dropped.
fn parse_symbols(texts: &[String]) -> Result<Vec<Symbol>, Status> {
    if texts.len() > MAX_SYMBOLS {
        return Err(invalid_field(
            "symbols",
            format!("at most {MAX_SYMBOLS} symbols per call; leave it empty for all"),
        ));
    }
    let mut errors = FieldErrors::new();
    let mut symbols: Vec<Symbol> = Vec::with_capacity(texts.len());
    let mut seen: HashSet<Symbol> = HashSet::with_capacity(texts.len());
    for (index, text) in texts.iter().enumerate() {
        match parse_symbol(&format!("symbols[{index}]"), text) {
            Ok(symbol) => {
                if seen.insert(symbol.clone()) {
                    symbols.push(symbol);
                }
            }
            Err(problem) => errors.add(&problem.field, problem.problem),
        }
    }
    errors.into_result()?;
    Ok(symbols)
}

fn not_found(symbols: &[Symbol]) -> Status {
    let names: Vec<String> = symbols.iter().map(Symbol::to_string).collect();
    Status::not_found(format!(
        "no quote for {}: no venue has sent a ticker for it since price-feed started; \
         GetQuotes with no symbols lists every known one",
        names.join(", ")
    ))
}
