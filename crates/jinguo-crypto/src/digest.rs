//! Digests of the chosen suite.

use sha2::Sha256;
use sm3::{Digest, Sm3};

use crate::Suite;

/// The suite's digest of `data`, hex-encoded.
pub fn hex_digest(suite: Suite, data: &[u8]) -> String {
    match suite {
        Suite::Gm => hex::encode(Sm3::digest(data)),
        Suite::Intl => hex::encode(Sha256::digest(data)),
    }
}

/// SM3 of `data`, hex-encoded: the audit chain's hash whatever the suite (密评 asks for SM3).
pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(Sm3::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_matches_the_standard_test_vector() {
        // GB/T 32905-2016, example 1: "abc".
        assert_eq!(sm3_hex(b"abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }
}
