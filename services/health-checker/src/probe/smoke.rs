//! The contract smoke check: a call without a token must be refused as UNAUTHENTICATED,
//! which proves the service's auth layer is in front of its methods.
use std::time::Duration;

use http::uri::PathAndQuery;
use tonic::Code;
use tonic::transport::Channel;

/// Calls `method` (`/package.Service/Method`) with an empty message and no token.
pub async fn check(channel: Channel, method: &str, timeout: Duration) -> Result<(), String> {
    let path = PathAndQuery::try_from(method).map_err(|error| format!("{method}: {error}"))?;
    let mut grpc = tonic::client::Grpc::new(channel);
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    let call = async {
        grpc.ready()
            .await
            .map_err(|error| tonic::Status::unavailable(error.to_string()))?;
        grpc.unary(tonic::Request::new(()), path, codec).await
    };
    let answer = tokio::time::timeout(timeout, call)
        .await
        .map_err(|_| format!("{method} did not answer within {} ms", timeout.as_millis()))?;
    match answer {
        Err(status) if status.code() == Code::Unauthenticated => Ok(()),
        Err(status) => Err(format!(
            "{method} without a token answered {:?}, not Unauthenticated",
            status.code()
        )),
        Ok(_) => Err(format!(
            "{method} without a token answered OK, not Unauthenticated"
        )),
    }
}
