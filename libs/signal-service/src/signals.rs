//! The `quorum.trading.v1.SignalSource` handlers: Evaluate on given candles, the
//! parameters, and the live stream.
use std::collections::{BTreeMap, HashSet};
use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt, stream};
use quorum_domain::convert::{parse_symbol, parse_venue_filter};
use quorum_kit::CancellationToken;
use quorum_kit::auth::caller;
use quorum_kit::errors::{FieldErrors, invalid_field};
use quorum_proto::trading::v1 as trading;
use quorum_proto::trading::v1::signal_source_server::SignalSource;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tonic::{Request, Response, Status};

use crate::convert::{self, parse_interval};
use crate::evaluation::{self, EvaluateInput};
use crate::hub::{Filter, Hub};
use crate::params_store::{Actor, ChangeError, ParamsStore};

/// The most symbols one StreamSignals call may name.
pub const MAX_SYMBOLS: usize = 1000;

pub struct SignalHandler {
    store: Arc<ParamsStore>,
    hub: Arc<Hub>,
    shutdown: CancellationToken,
}

impl SignalHandler {
    pub fn new(store: Arc<ParamsStore>, hub: Arc<Hub>, shutdown: CancellationToken) -> Self {
        Self {
            store,
            hub,
            shutdown,
        }
    }
}

type SignalStream =
    Pin<Box<dyn Stream<Item = Result<trading::StreamSignalsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl SignalSource for SignalHandler {
    async fn evaluate(
        &self,
        request: Request<trading::EvaluateRequest>,
    ) -> Result<Response<trading::EvaluateResponse>, Status> {
        let request = request.into_inner();
        let input = EvaluateInput::parse(&request, self.store.strategy())?;
        let params = self.store.current();
        let signal = evaluation::run(self.store.strategy(), &params, &input)?;
        Ok(Response::new(trading::EvaluateResponse {
            signal: Some(convert::signal(
                &signal,
                request.venue,
                input.interval.name(),
            )),
        }))
    }

    type StreamSignalsStream = SignalStream;

    async fn stream_signals(
        &self,
        request: Request<trading::StreamSignalsRequest>,
    ) -> Result<Response<Self::StreamSignalsStream>, Status> {
        let filter = parse_filter(request.get_ref())?;
        // Subscribed before anything else, so no signal falls between.
        let receiver = self.hub.subscribe();
        let hub = self.hub.clone();
        let live = BroadcastStream::new(receiver).flat_map(move |item| {
            let signals = match item {
                Ok(published) if filter.matches(&published.key) => vec![published],
                Ok(_) => Vec::new(),
                Err(BroadcastStreamRecvError::Lagged(missed)) => {
                    tracing::debug!(
                        missed,
                        "a signal subscriber lagged; sending the latest signal of each key"
                    );
                    hub.latest(&filter)
                }
            };
            stream::iter(signals.into_iter().map(|published| {
                Ok(trading::StreamSignalsResponse {
                    signal: Some(published.signal.clone()),
                })
            }))
        });
        Ok(Response::new(Box::pin(
            live.take_until(self.shutdown.clone().cancelled_owned()),
        )))
    }

    async fn get_params(
        &self,
        _request: Request<trading::GetParamsRequest>,
    ) -> Result<Response<trading::GetParamsResponse>, Status> {
        let params = self.store.current();
        Ok(Response::new(trading::GetParamsResponse {
            params: convert::params(&params),
            version: params.version().to_string(),
        }))
    }

    async fn set_params(
        &self,
        request: Request<trading::SetParamsRequest>,
    ) -> Result<Response<trading::SetParamsResponse>, Status> {
        let actor = actor(&request);
        let values: BTreeMap<String, f64> = request.into_inner().values.into_iter().collect();
        if values.is_empty() {
            return Err(invalid_field(
                "values",
                "is empty: name each parameter to change with its new value (GetParams lists them)",
            ));
        }
        let params = self
            .store
            .change(&values, &actor)
            .await
            .map_err(|error| match error {
                ChangeError::Invalid(problems) => {
                    let mut errors = FieldErrors::new();
                    for problem in problems {
                        errors.add(&format!("values[{}]", problem.name), problem.problem);
                    }
                    errors
                        .into_result()
                        .err()
                        .unwrap_or_else(|| Status::invalid_argument("values"))
                }
                ChangeError::Unavailable(problem) => {
                    tracing::warn!(%problem, "parameters not persisted");
                    Status::unavailable(
                        "redis is unavailable, so the parameters could not be saved; nothing \
                     changed, retry later",
                    )
                }
            })?;
        Ok(Response::new(trading::SetParamsResponse {
            params: convert::params(&params),
            version: params.version().to_string(),
        }))
    }
}

/// The caller as the audit record names it.
fn actor<T>(request: &Request<T>) -> Actor {
    let name = match caller(request) {
        Ok(caller) if caller.claims.kind == "service" => format!("svc:{}", caller.claims.name),
        Ok(caller) if !caller.claims.name.is_empty() => caller.claims.name.clone(),
        Ok(caller) => caller.claims.sub.clone(),
        Err(_) => "anonymous".into(),
    };
    Actor { name }
}

/// The subscription a StreamSignals request asks for, each bad field named.
fn parse_filter(request: &trading::StreamSignalsRequest) -> Result<Filter, Status> {
    if request.symbols.len() > MAX_SYMBOLS {
        return Err(invalid_field(
            "symbols",
            format!("at most {MAX_SYMBOLS} symbols per call; leave it empty for all"),
        ));
    }
    let mut errors = FieldErrors::new();
    let mut symbols = HashSet::new();
    for (index, text) in request.symbols.iter().enumerate() {
        match parse_symbol(&format!("symbols[{index}]"), text) {
            Ok(symbol) => {
                symbols.insert(symbol);
            }
            Err(problem) => errors.add(&problem.field, problem.problem),
        }
    }
    let venue = parse_venue_filter("venue", request.venue)
        .map_err(|problem| errors.add(&problem.field, problem.problem))
        .ok()
        .flatten();
    let interval = if request.interval.trim().is_empty() {
        None
    } else {
        parse_interval(&request.interval)
            .map_err(|problem| errors.add("interval", problem))
            .ok()
            .map(|interval| interval.name().to_string())
    };
    errors.into_result()?;
    Ok(Filter {
        symbols: (!symbols.is_empty()).then_some(symbols),
        venue,
        interval,
    })
}
