//! Jinguo's cryptography, behind one choice of suite (DESIGN.md §5, principle 3):
//!
//! | use | `gm` (default, 商用密码) | `intl` |
//! |---|---|---|
//! | digest (audit chain, tokens) | SM3 | SHA-256 |
//! | field encryption | SM4-GCM (RFC 8998) | AES-256-GCM |
//! | blind index | HMAC-SM3 | HMAC-SHA-256 |
//! | password hash | PBKDF2-HMAC-SM3 | argon2id |
//!
//! Keys come from a [`KeyRing`] (a key file created with mode 0600, or the environment), never
//! from the database. Nothing here does database or network I/O.

pub mod cipher;
pub mod digest;
pub mod keys;
pub mod mask;
pub mod password;
pub mod totp;

pub use cipher::{Crypto, CryptoError};
pub use keys::{KeyRing, Suite};

/// A fresh random token of `n` bytes, hex-encoded (session ids, CSRF tokens).
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::fill(&mut bytes[..]);
    hex::encode(bytes)
}
