//! Order events (`exec.orders`) and fills (`exec.fills`) from the bus: each is stored
//! and applied to the views before it is acknowledged. The groups start at the beginning
//! of the streams: this service keeps the history.
use quorum_bus::{BusArgs, ConsumerConfig, HandlerError, Message, StartFrom};
use quorum_domain::topics::{EXECUTION_FILLS, EXECUTION_ORDERS};
use quorum_domain::{Decimal, Fill, OrderEvent};
use quorum_kit::CancellationToken;
use quorum_store::errors::is_data_error;

use crate::tracker::Tracker;

/// Longest id (event, order, fill, account) accepted from the bus.
const MAX_ID_LENGTH: usize = 256;

/// Who consumes: the consumer group and this instance's name in it.
#[derive(Debug, Clone)]
pub struct Membership {
    pub group: String,
    pub consumer: String,
}

/// The execution topics compliance-checker follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// `exec.orders`: order lifecycle events.
    Orders,
    /// `exec.fills`: fills.
    Fills,
}

impl Feed {
    fn topic(self) -> &'static str {
        match self {
            Feed::Orders => EXECUTION_ORDERS,
            Feed::Fills => EXECUTION_FILLS,
        }
    }
}

/// Consumes one feed until `shutdown`.
pub async fn run(
    feed: Feed,
    bus: BusArgs,
    membership: Membership,
    tracker: Tracker,
    shutdown: CancellationToken,
) {
    let Some(bus) = bus.connect_patiently(&shutdown).await else {
        return;
    };
    let topic = feed.topic();
    tracing::info!(group = %membership.group, consumer = %membership.consumer, "consuming {topic}");
    bus.consumer(topic, &membership.group, &membership.consumer, config())
        .run(shutdown, |message| {
            let tracker = tracker.clone();
            async move {
                match feed {
                    Feed::Orders => handle_order_event(&tracker, &message).await,
                    Feed::Fills => handle_fill(&tracker, &message).await,
                }
            }
        })
        .await;
}

/// Stores one order event. Malformed events are poison; database trouble is retried.
pub async fn handle_order_event(tracker: &Tracker, message: &Message) -> Result<(), HandlerError> {
    let event: OrderEvent = message.decode()?;
    check_order_event(&event)
        .map_err(|problem| HandlerError::Poison(format!("invalid order event: {problem}")))?;
    tracker
        .record_order_event(&event)
        .await
        .map_err(|error| failure(&format!("order event {}", event.event_id), error))
}

/// Stores one fill. Malformed fills are poison; database trouble is retried.
pub async fn handle_fill(tracker: &Tracker, message: &Message) -> Result<(), HandlerError> {
    let fill: Fill = message.decode()?;
    check_fill(&fill)
        .map_err(|problem| HandlerError::Poison(format!("invalid fill: {problem}")))?;
    tracker
        .record_fill(&fill)
        .await
        .map_err(|error| failure(&format!("fill {}", fill.fill_id), error))
}

fn config() -> ConsumerConfig {
    ConsumerConfig {
        start: StartFrom::Beginning,
        ..ConsumerConfig::default()
    }
}

/// Rows the database refuses for what they hold (a data error) can never
/// be stored; anything else may pass.
fn failure(what: &str, error: sqlx::Error) -> HandlerError {
    if is_data_error(&error) {
        HandlerError::Poison(format!("{what} cannot be stored: {error}"))
    } else {
        HandlerError::Retry(format!("cannot store {what}: {error}"))
    }
}

fn check_order_event(event: &OrderEvent) -> Result<(), String> {
    let order = &event.order;
    check_id("event_id", &event.event_id)?;
    check_id("order.order_id", &order.order_id)?;
    check_id("order.account", &order.account)?;
    if order.quantity <= Decimal::ZERO {
        return Err(format!(
            "order.quantity {} must be positive",
            order.quantity
        ));
    }
    if order.filled_quantity < Decimal::ZERO || order.filled_quantity > order.quantity {
        return Err(format!(
            "order.filled_quantity {} must be between 0 and the quantity {}",
            order.filled_quantity, order.quantity
        ));
    }
    if order.price.is_some_and(|price| price <= Decimal::ZERO) {
        return Err("order.price must be positive when given".into());
    }
    Ok(())
}

fn check_fill(fill: &Fill) -> Result<(), String> {
    check_id("fill_id", &fill.fill_id)?;
    check_id("order_id", &fill.order_id)?;
    check_id("account", &fill.account)?;
    if fill.price <= Decimal::ZERO {
        return Err(format!("price {} must be positive", fill.price));
    }
    if fill.quantity <= Decimal::ZERO {
        return Err(format!("quantity {} must be positive", fill.quantity));
    }
    Ok(())
}

fn check_id(field: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("{field} must not be empty"));
    }
    if value.len() > MAX_ID_LENGTH {
        return Err(format!("{field} is longer than {MAX_ID_LENGTH} bytes"));
    }
    Ok(())
}
