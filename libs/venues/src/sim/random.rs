//! Counter-based randomness: every draw of the simulated market comes from a key saying
//! what it is for (seed, path, step, ...), never from a running generator, so any
//! process computes the same value for the same key. Single normal draws are hashed
//! (the fair price needs dozens per value); longer streams are ChaCha8.
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A generator for one key. Keys are short lists of numbers; use [`text_tag`] for names.
pub(crate) fn keyed_rng(key: &[u64]) -> ChaCha8Rng {
    let state = fold(key);
    let mut seed = [0u8; 32];
    for (chunk, offset) in seed.chunks_exact_mut(8).zip(0u64..) {
        chunk.copy_from_slice(&split_mix(state.wrapping_add(offset)).to_le_bytes());
    }
    ChaCha8Rng::from_seed(seed)
}

/// One standard normal draw for a key (Box-Muller on two hashed uniforms).
pub(crate) fn keyed_normal(key: &[u64]) -> f64 {
    let state = fold(key);
    let unit = |bits: u64| ((bits >> 11) + 1) as f64 / (1u64 << 53) as f64;
    let radius = (-2.0 * unit(split_mix(state)).ln()).sqrt();
    let angle = std::f64::consts::TAU * unit(split_mix(state ^ 0xa5a5_a5a5_a5a5_a5a5));
    radius * angle.cos()
}

fn fold(key: &[u64]) -> u64 {
    let mut state = 0x5155_4f52_554d_u64; // "QUORUM"
    for part in key {
        state = split_mix(state ^ part.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
    state
}

/// A stable number for a name (FNV-1a), to use inside keys.
pub(crate) fn text_tag(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Signed numbers inside keys (steps, indexes) keep their bits.
pub(crate) fn signed(value: i64) -> u64 {
    u64::from_ne_bytes(value.to_ne_bytes())
}

fn split_mix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn the_same_key_gives_the_same_stream_and_others_differ() {
        let first = keyed_rng(&[1, 2, 3]).next_u64();
        assert_eq!(first, keyed_rng(&[1, 2, 3]).next_u64());
        assert_ne!(first, keyed_rng(&[1, 2, 4]).next_u64());
        assert_ne!(first, keyed_rng(&[3, 2, 1]).next_u64());
        assert_ne!(first, keyed_rng(&[1, 2, 3, 0]).next_u64());
        assert_ne!(text_tag("BTC"), text_tag("ETH"));
    }

    #[test]
    fn normals_look_standard() {
        let draws: Vec<f64> = (0..20_000u64)
            .map(|index| keyed_normal(&[9, index]))
            .collect();
        let count = draws.len() as f64;
        let mean = draws.iter().sum::<f64>() / count;
        let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / count;
        let beyond_two = draws.iter().filter(|x| x.abs() > 2.0).count() as f64 / count;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.05, "variance {variance}");
        // A standard normal lies beyond two deviations 4.55 % of the time.
        assert!((0.038..0.053).contains(&beyond_two), "tails {beyond_two}");
        assert_eq!(keyed_normal(&[9, 1]), keyed_normal(&[9, 1]));
    }
}
