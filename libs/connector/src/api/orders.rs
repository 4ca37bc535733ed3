//! Order RPCs: place, cancel, look up and list orders, and balances, on paper or live.
//! A place or cancel answers only once what it changed is stored, with its order events
//! and fills in the outbox.
use quorum_domain::convert::{self, parse_symbol};
use quorum_domain::{Instrument, Order, OrderEventKind, OrderStatus};
use quorum_proto::exchange::v1::{
    Balance, CancelOrderRequest, GetBalancesRequest, GetOrderRequest, ListOpenOrdersRequest,
    PlaceOrderRequest,
};
use tonic::Status;

use super::requests::{self, field_status};
use super::{ExchangeApi, not_tracked, syncing};
use crate::config::TradingMode;
use crate::live;
use crate::paper::{
    CancelError, ChangeSet, NewOrder, OrderRef, PlaceError, check_order, order_event,
};
use crate::state::{Tracked, lock, now_ms};

pub async fn place(api: &ExchangeApi, request: PlaceOrderRequest) -> Result<Order, Status> {
    let account = requests::account(&request.account)?;
    let (tracked, instrument) = api.instrument("symbol", &request.symbol)?;
    let order = requests::new_order(&request, instrument.symbol.clone(), account.clone())?;
    match api.shared.trading_mode {
        TradingMode::Paper => place_paper(api, tracked, instrument, order).await,
        TradingMode::Live => {
            if !order.client_order_id.is_empty()
                && let Some(existing) = lock(&api.shared.live_orders)
                    .get(&account, OrderRef::Client(&order.client_order_id))
            {
                return Ok(existing);
            }
            let time_in_force = check_order(&order, instrument).map_err(field_status)?;
            let placed =
                live::place(&api.shared, order, account, time_in_force, instrument).await?;
            let kind = OrderEventKind::for_status(placed.status);
            tell_live_change(api, kind, &placed).await;
            Ok(placed)
        }
    }
}

/// Fills a paper order against the synced book; answers once it is stored (its fills and
/// events then go to the bus from the outbox).
async fn place_paper(
    api: &ExchangeApi,
    tracked: &Tracked,
    instrument: &Instrument,
    order: NewOrder,
) -> Result<Order, Status> {
    let symbol = &instrument.symbol;
    let sync = tracked
        .books
        .get(symbol)
        .ok_or_else(|| not_tracked(&api.shared, symbol))?;
    let (placed, stored) = {
        let guard = lock(sync);
        let book = guard.book().ok_or_else(|| syncing(symbol))?;
        let now = now_ms();
        api.shared
            .change_paper(|paper| paper.place(order, instrument, book, now))
    };
    // Also for a repeated client order id: the first placement may still be on its way
    // to the database, and nobody hears of an order that a crash could undo.
    stored.wait().await?;
    match placed {
        Ok(placement) => Ok(placement.order),
        Err(PlaceError::Invalid(problem)) => Err(field_status(problem)),
        Err(PlaceError::Rejected(order)) => Err(Status::failed_precondition(format!(
            "order {} ({}) was rejected: {}",
            order.order_id, order.client_order_id, order.reason
        ))),
    }
}

pub async fn cancel(api: &ExchangeApi, request: CancelOrderRequest) -> Result<Order, Status> {
    let account = requests::account(&request.account)?;
    let reference = requests::order_ref(&request.order_id, &request.client_order_id)?;
    match api.shared.trading_mode {
        TradingMode::Paper => {
            let now = now_ms();
            let (cancelled, stored) = api
                .shared
                .change_paper(|paper| paper.cancel(&account, reference, now));
            stored.wait().await?;
            cancelled.map_err(|error| match error {
                CancelError::NotFound => not_found(reference),
                CancelError::NotOpen(order) => not_open(&order),
            })
        }
        TradingMode::Live => {
            let order = lock(&api.shared.live_orders)
                .get(&account, reference)
                .ok_or_else(|| not_found(reference))?;
            if !order.status.is_open() {
                return Err(not_open(&order));
            }
            let tracked = api.tracked()?;
            let instrument = tracked
                .index
                .by_symbol(&order.symbol)
                .ok_or_else(|| not_tracked(&api.shared, &order.symbol))?
                .clone();
            let cancelled = live::cancel(&api.shared, order, &instrument).await?;
            let kind = OrderEventKind::for_status(cancelled.status);
            tell_live_change(api, kind, &cancelled).await;
            Ok(cancelled)
        }
    }
}

/// Puts a live order's change on `exec.orders` through the outbox. The venue already has
/// the order, so the answer does not wait past the store's patience: a slow database
/// delays the event, it does not hide the order from its caller.
async fn tell_live_change(api: &ExchangeApi, kind: OrderEventKind, order: &Order) {
    let event = order_event(kind, order, now_ms());
    let stored = api
        .shared
        .paper_writer
        .submit(Some(ChangeSet::only_events(vec![event])));
    if let Err(status) = stored.wait().await {
        tracing::warn!(order_id = %order.order_id, problem = status.message(), "live order event not stored yet");
    }
}

pub fn get(api: &ExchangeApi, request: GetOrderRequest) -> Result<Order, Status> {
    let account = requests::account(&request.account)?;
    let reference = requests::order_ref(&request.order_id, &request.client_order_id)?;
    let found = match api.shared.trading_mode {
        TradingMode::Paper => lock(&api.shared.paper).get(&account, reference),
        TradingMode::Live => lock(&api.shared.live_orders).get(&account, reference),
    };
    found.ok_or_else(|| not_found(reference))
}

pub fn open(api: &ExchangeApi, request: ListOpenOrdersRequest) -> Result<Vec<Order>, Status> {
    let account = requests::account(&request.account)?;
    let symbol = if request.symbol.trim().is_empty() {
        None
    } else {
        Some(parse_symbol("symbol", &request.symbol).map_err(field_status)?)
    };
    Ok(match api.shared.trading_mode {
        TradingMode::Paper => lock(&api.shared.paper).open_orders(&account, symbol.as_ref()),
        TradingMode::Live => lock(&api.shared.live_orders).open_orders(&account, symbol.as_ref()),
    })
}

pub fn balances(api: &ExchangeApi, request: GetBalancesRequest) -> Result<Vec<Balance>, Status> {
    let account = requests::account(&request.account)?;
    if api.shared.trading_mode == TradingMode::Live {
        return Err(Status::failed_precondition(format!(
            "in live mode balances are held by {}; read them on the venue (this connector keeps paper balances only)",
            api.shared.venue
        )));
    }
    let balances = lock(&api.shared.paper).balances(&account);
    Ok(balances
        .into_iter()
        .map(|balance| Balance {
            asset: balance.asset,
            free: Some(convert::decimal(balance.free)),
            locked: Some(convert::decimal(balance.locked)),
        })
        .collect())
}

fn not_found(reference: OrderRef<'_>) -> Status {
    let named = match reference {
        OrderRef::Id(id) => format!("order_id {id}"),
        OrderRef::Client(id) => format!("client_order_id {id}"),
    };
    Status::not_found(format!("no order with {named} in this account"))
}

fn not_open(order: &Order) -> Status {
    Status::failed_precondition(format!(
        "order {} is {}; only open orders can be cancelled",
        order.order_id,
        status_name(order.status)
    ))
}

fn status_name(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::New => "NEW",
        OrderStatus::PartiallyFilled => "PARTIALLY_FILLED",
        OrderStatus::Filled => "FILLED",
        OrderStatus::Canceled => "CANCELED",
        OrderStatus::Rejected => "REJECTED",
        OrderStatus::Expired => "EXPIRED",
    }
}
