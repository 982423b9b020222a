//! Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits), the second
//! factor of administrators. Authenticator apps speak exactly this, so it stays on SHA-1.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// A fresh 20-byte secret, base32-encoded as authenticator apps expect.
pub fn new_secret() -> String {
    let mut secret = [0u8; 20];
    rand::fill(&mut secret);
    base32_encode(&secret)
}

/// The `otpauth://` URI an authenticator app reads (from a QR code or typed in).
pub fn provisioning_uri(secret: &str, account: &str, issuer: &str) -> String {
    format!("otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30")
}

/// The code for the 30-second step containing `unix_seconds`.
pub fn code_at(secret: &str, unix_seconds: i64) -> Option<String> {
    let key = base32_decode(secret)?;
    let counter = (unix_seconds.max(0) / 30) as u64;
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&key).ok()?;
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    Some(format!("{:06}", bin % 1_000_000))
}

/// True when `code` is right for `unix_seconds`, allowing one step of clock drift either way.
pub fn verify(secret: &str, code: &str, unix_seconds: i64) -> bool {
    let code = code.trim();
    [-30, 0, 30].iter().any(|d| code_at(secret, unix_seconds + d).as_deref() == Some(code))
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in data {
        buffer = (buffer << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in s.trim().trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, secret "12345678901234567890", 8 digits there; the last 6 here.
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(&secret, 2_000_000_000).unwrap(), "279037");
    }

    #[test]
    fn verify_allows_one_step_of_drift_only() {
        let s = new_secret();
        let now = 1_700_000_000;
        let code = code_at(&s, now).unwrap();
        assert!(verify(&s, &code, now + 30));
        assert!(!verify(&s, &code, now + 95));
    }
}
