//! Generated messages, clients and servers for every Quorum contract under `proto/`.
//!
//! Modules mirror the protobuf packages: `quorum.auth.v1` is [`auth::v1`].

/// Encoded `FileDescriptorSet` of every Quorum proto, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/quorum_descriptor.bin"));

#[allow(clippy::all, missing_docs)]
mod generated {
    pub mod quorum {
        pub mod common {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/quorum.common.v1.rs"));
            }
        }
        pub mod auth {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/quorum.auth.v1.rs"));
            }
        }
        pub mod audit {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/quorum.audit.v1.rs"));
            }
        }
        pub mod health {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/quorum.health.v1.rs"));
            }
        }
        pub mod market {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/quorum.market.v1.rs"));
            }
        }
        pub mod exchange {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/quorum.exchange.v1.rs"));
            }
        }
        pub mod marketdata {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/quorum.marketdata.v1.rs"));
            }
        }
        pub mod ai {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/quorum.ai.v1.rs"));
            }
        }
        pub mod trading {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/quorum.trading.v1.rs"));
            }
        }
        pub mod security {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/quorum.security.v1.rs"));
            }
        }
    }
}

pub use generated::quorum::{
    ai, audit, auth, common, exchange, health, market, marketdata, security, trading,
};
