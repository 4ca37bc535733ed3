//! Bearer-token authentication for every RPC: tokens, key sources, policy and the layer.
pub mod keys;
mod layer;
pub mod policy;
pub mod token;

pub use keys::{KeySource, KeySourceError, RemoteJwks, StaticKeys};
pub use layer::{AuthLayer, AuthMode, Caller, caller, current_token};
pub use policy::{ADMIN_ROLE, AuthPolicy};
pub use token::{Claims, TokenError};
