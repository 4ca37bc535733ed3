//! OKX's legacy book checksum: CRC32 of the top 25 levels of each side, interleaved
//! `bid:ask` as `price:size` in the venue's own spelling of the numbers. The book keeps
//! the scale each decimal was parsed with ("0.5000" stays "0.5000"), so the local book
//! reproduces the venue's text.
use quorum_domain::{Decimal, Level};
use quorum_quant::OrderBook;

/// Levels per side that the checksum covers.
pub const CHECKSUM_DEPTH: usize = 25;

/// The checksum as OKX sends it (a signed 32-bit integer).
pub fn checksum(book: &OrderBook) -> i32 {
    // The venue defines the value as the CRC32 read as a signed integer.
    crc32fast::hash(checksum_text(book).as_bytes()) as i32
}

/// The text the checksum is taken of: `bid:ask:bid:ask...` as `price:size`, with the
/// extra levels of the longer side appended. Decimals keep the scale they were parsed
/// with, so `0.5000` stays `0.5000` as the venue wrote it.
pub fn checksum_text(book: &OrderBook) -> String {
    let mut text = String::with_capacity(CHECKSUM_DEPTH * 2 * 24);
    let mut bids = book.bids().take(CHECKSUM_DEPTH);
    let mut asks = book.asks().take(CHECKSUM_DEPTH);
    loop {
        let bid = bids.next();
        let ask = asks.next();
        if bid.is_none() && ask.is_none() {
            return text;
        }
        for level in [bid, ask].into_iter().flatten() {
            push_level(&mut text, level);
        }
    }
}

fn push_level(text: &mut String, level: &Level) {
    if !text.is_empty() {
        text.push(':');
    }
    push_decimal(text, level.price);
    text.push(':');
    push_decimal(text, level.quantity);
}

/// Writes a decimal exactly as its `Display` does (scale kept, no exponent), without
/// the formatting machinery: the checksum writes 100 of them per message.
fn push_decimal(text: &mut String, value: Decimal) {
    // Sign, 29 digits of a 96-bit mantissa, point, and up to 28 leading zeros fit.
    let mut buffer = [0_u8; 64];
    let mut start = buffer.len();
    let mut put = |byte: u8| {
        start -= 1;
        buffer[start] = byte;
    };
    let scale = value.scale() as usize;
    let mantissa = value.mantissa().unsigned_abs();
    let mut digits = 0;
    // Prices and sizes fit in 64 bits, where division is much cheaper than in 128.
    if let Ok(mut rest) = u64::try_from(mantissa) {
        loop {
            put(b'0' + (rest % 10) as u8);
            digits += 1;
            rest /= 10;
            if digits == scale {
                put(b'.');
            }
            if rest == 0 && digits > scale {
                break;
            }
        }
    } else {
        let mut rest = mantissa;
        loop {
            put(b'0' + (rest % 10) as u8);
            digits += 1;
            rest /= 10;
            if digits == scale {
                put(b'.');
            }
            if rest == 0 && digits > scale {
                break;
            }
        }
    }
    if value.mantissa() < 0 {
        put(b'-');
    }
    // Only ASCII digits, '.' and '-' were written.
    text.push_str(std::str::from_utf8(&buffer[start..]).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::test_support::levels;

    #[test]
    fn reproduces_the_venue_vectors() {
        let interleaved = OrderBook::from_levels(
            &levels(&["3366.1:7", "3366:6"]),
            &levels(&["3366.8:9", "3368:8"]),
        );
        assert_eq!(
            checksum_text(&interleaved),
            "3366.1:7:3366.8:9:3366:6:3368:8"
        );
        assert_eq!(checksum(&interleaved), -1_881_014_294);

        // One bid: the longer side's extra levels are appended.
        let one_sided = OrderBook::from_levels(
            &levels(&["3366.1:7"]),
            &levels(&["3366.8:9", "3368:8", "3372:8"]),
        );
        assert_eq!(checksum_text(&one_sided), "3366.1:7:3366.8:9:3368:8:3372:8");
        assert_eq!(checksum(&one_sided), 831_078_360);
    }

    proptest::proptest! {
        #[test]
        fn decimals_are_written_as_display_writes_them(
            mantissa in proptest::num::i128::ANY,
            scale in 0_u32..=28,
        ) {
            let mantissa = mantissa % 79_228_162_514_264_337_593_543_950_335;
            let value = Decimal::from_i128_with_scale(mantissa, scale);
            let mut text = String::new();
            push_decimal(&mut text, value);
            proptest::prop_assert_eq!(text, value.to_string());
        }
    }

    #[test]
    fn small_and_signed_decimals_keep_their_zeros() {
        for spelling in [
            "0.0005", "0.5000", "-0.001", "100", "0", "0.0", "12.30", "-7",
        ] {
            let mut text = String::new();
            push_decimal(&mut text, spelling.parse().unwrap());
            assert_eq!(text, spelling);
        }
    }

    #[test]
    fn keeps_the_venue_spelling_and_stops_at_25_levels() {
        let bids: Vec<String> = (0..30).map(|i| format!("{}.50:0.5000", 100 - i)).collect();
        let bid_texts: Vec<&str> = bids.iter().map(String::as_str).collect();
        let book = OrderBook::from_levels(&levels(&bid_texts), &[]);
        let text = checksum_text(&book);
        assert!(text.starts_with("100.50:0.5000:99.50:0.5000"), "{text}");
        assert_eq!(text.split(':').count(), 2 * CHECKSUM_DEPTH);
        assert!(text.ends_with("76.50:0.5000"), "{text}");
    }
}
