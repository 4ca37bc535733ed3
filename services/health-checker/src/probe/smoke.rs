//! The contract smoke check: a call without a token must be refused as UNAUTHENTICATED,
//! which proves the service's auth layer is in front of its methods.
use std::time::Duration;

use tonic::Code;
use tonic::transport::Channel;

/// Calls `method` (`/package.Service/Method`) with an empty message and no token.
pub async fn check(channel: Channel, method: &str, timeout: Duration) -> Result<(), String> {
    let answer = tokio::time::timeout(timeout, quorum_kit::reflection::call_empty(channel, method))
        .await
        .map_err(|_| format!("{method} did not answer within {} ms", timeout.as_millis()))?
        .map_err(|status| format!("{method}: {}", status.message()))?;
    match answer {
        Code::Unauthenticated => Ok(()),
        other => Err(format!(
            "{method} without a token answered {other:?}, not Unauthenticated"
        )),
    }
}
