//! Field encryption and blind indexes.
//!
//! A sealed field is `v1.<key id>.<base64(nonce ‖ ciphertext ‖ tag)>`: self-describing, so a
//! value sealed under an older key still opens after rotation. The associated data binds the
//! ciphertext to its purpose (`person.id_number`, …), so a value copied into another column
//! does not open there.

use aes_gcm::AesGcm;
use aes_gcm::aead::{Aead, AeadInOut, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sm3::Sm3;
use sm4::Sm4;

use crate::keys::{Key, KeyRing, Suite};

type Sm4Gcm = AesGcm<Sm4, aes_gcm::aead::consts::U12>;
type Aes256Gcm = AesGcm<Aes256, aes_gcm::aead::consts::U12>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("密文格式错误")]
    Format,
    #[error("找不到编号为 {0} 的密钥")]
    UnknownKey(u32),
    #[error("解密失败：密文被改动或密钥不符")]
    Open,
}

/// Bytes of the MAC a blind index keeps.
const INDEX_BYTES: usize = 16;

/// The suite and keys in force.
pub struct Crypto {
    pub suite: Suite,
    pub ring: KeyRing,
    /// The sub-keys of each key of the ring, derived once (a bulk import seals millions of
    /// fields; deriving per field would double the cost).
    derived: Vec<Derived>,
}

/// What one master key derives into, ready to use.
#[derive(Clone)]
struct Derived {
    id: u32,
    sm4: Sm4Gcm,
    aes: Aes256Gcm,
    index_sm3: Hmac<Sm3>,
    index_sha256: Hmac<Sha256>,
}

impl Derived {
    fn of(key: &Key) -> Derived {
        let index = key.derive("blind-index");
        Derived {
            id: key.id,
            sm4: cipher_sm4(key),
            aes: cipher_aes(key),
            index_sm3: <Hmac<Sm3> as hmac::KeyInit>::new_from_slice(&index[..]).unwrap_or_else(|_| unreachable!()),
            index_sha256: <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&index[..]).unwrap_or_else(|_| unreachable!()),
        }
    }
}

impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crypto").field("suite", &self.suite).field("ring", &self.ring).finish_non_exhaustive()
    }
}

impl Crypto {
    pub fn new(suite: Suite, ring: KeyRing) -> Crypto {
        let derived = ring.keys().map(Derived::of).collect();
        Crypto { suite, ring, derived }
    }

    /// The derived sub-keys of `key` (derived now if the ring grew after construction).
    fn derived(&self, key: &Key) -> std::borrow::Cow<'_, Derived> {
        match self.derived.iter().find(|d| d.id == key.id) {
            Some(d) => std::borrow::Cow::Borrowed(d),
            None => std::borrow::Cow::Owned(Derived::of(key)),
        }
    }

    /// Encrypts `plain` under the current key for `purpose`. One buffer is encrypted in place
    /// and encoded into the answer: a bulk import seals millions of fields.
    pub fn seal(&self, purpose: &str, plain: &str) -> String {
        let key = self.ring.current();
        let mut blob = vec![0u8; 12 + plain.len() + 16];
        let (nonce, rest) = blob.split_at_mut(12);
        rand::fill(nonce);
        let nonce: [u8; 12] = (*nonce).try_into().unwrap_or_default();
        let (text, tag_out) = rest.split_at_mut(plain.len());
        text.copy_from_slice(plain.as_bytes());
        let d = self.derived(key);
        // Encryption with a valid key and a 12-byte nonce cannot fail (were it to, the zero tag
        // would never open).
        let _ = match self.suite {
            Suite::Gm => d.sm4.encrypt_inout_detached(&nonce.into(), purpose.as_bytes(), text.into()).map(|t| tag_out.copy_from_slice(&t)),
            Suite::Intl => {
                d.aes.encrypt_inout_detached(&nonce.into(), purpose.as_bytes(), text.into()).map(|t| tag_out.copy_from_slice(&t))
            }
        };
        let mut sealed = String::with_capacity(12 + blob.len().div_ceil(3) * 4);
        sealed.push_str("v1.");
        sealed.push_str(&key.id.to_string());
        sealed.push('.');
        B64.encode_string(&blob, &mut sealed);
        sealed
    }

    /// Decrypts a value sealed by [`Crypto::seal`] for the same `purpose`.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<String, CryptoError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CryptoError::Format);
        };
        let id: u32 = id.parse().map_err(|_| CryptoError::Format)?;
        let key = self.ring.get(id).ok_or(CryptoError::UnknownKey(id))?;
        let blob = B64.decode(body).map_err(|_| CryptoError::Format)?;
        if blob.len() < 12 + 16 {
            return Err(CryptoError::Format);
        }
        let (nonce, ct) = blob.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| CryptoError::Format)?;
        let payload = Payload { msg: ct, aad: purpose.as_bytes() };
        let d = self.derived(key);
        let plain = match self.suite {
            Suite::Gm => d.sm4.decrypt(&nonce.into(), payload),
            Suite::Intl => d.aes.decrypt(&nonce.into(), payload),
        }
        .map_err(|_| CryptoError::Open)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Open)
    }

    /// The key id a sealed value was made with (to find values still under an old key).
    pub fn sealed_key_id(sealed: &str) -> Option<u32> {
        sealed.split('.').nth(1)?.parse().ok()
    }

    /// A keyed, deterministic index of `value` for exact-match search without decrypting:
    /// HMAC-SM3 (or HMAC-SHA-256) under a key derived for blind indexes, truncated to 128 bits
    /// and hex-encoded (32 characters: half the index B-tree of the full 256 bits, with no
    /// collision in any register this size).
    pub fn blind_index(&self, purpose: &str, value: &str) -> String {
        let d = self.derived(self.ring.current());
        match self.suite {
            Suite::Gm => {
                let mut mac = d.index_sm3.clone();
                mac.update(purpose.as_bytes());
                mac.update(&[0]);
                mac.update(value.as_bytes());
                hex::encode(&mac.finalize().into_bytes()[..INDEX_BYTES])
            }
            Suite::Intl => {
                let mut mac = d.index_sha256.clone();
                mac.update(purpose.as_bytes());
                mac.update(&[0]);
                mac.update(value.as_bytes());
                hex::encode(&mac.finalize().into_bytes()[..INDEX_BYTES])
            }
        }
    }
}

fn cipher_sm4(key: &Key) -> Sm4Gcm {
    let k = key.derive("field-cipher-sm4");
    Sm4Gcm::new_from_slice(&k[..16]).unwrap_or_else(|_| unreachable!())
}

fn cipher_aes(key: &Key) -> Aes256Gcm {
    let k = key.derive("field-cipher-aes");
    Aes256Gcm::new_from_slice(&k[..]).unwrap_or_else(|_| unreachable!())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_round_trip_in_both_suites() {
        for suite in [Suite::Gm, Suite::Intl] {
            let c = Crypto::new(suite, KeyRing::ephemeral());
            let sealed = c.seal("person.phone", "13812345678");
            assert!(!sealed.contains("13812345678"));
            assert_eq!(c.open("person.phone", &sealed).unwrap(), "13812345678");
            assert_eq!(c.open("person.address", &sealed), Err(CryptoError::Open));
            let other = c.seal("person.phone", "13812345678");
            assert_ne!(sealed, other, "a fresh nonce each time");
        }
    }

    #[test]
    fn a_tampered_value_does_not_open() {
        let c = Crypto::new(Suite::Gm, KeyRing::ephemeral());
        let sealed = c.seal("p", "secret");
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(c.open("p", &String::from_utf8(bytes).unwrap()).is_err());
    }

    #[test]
    fn values_sealed_before_rotation_still_open() {
        let mut c = Crypto::new(Suite::Gm, KeyRing::ephemeral());
        let old = c.seal("p", "secret");
        c.ring.rotate();
        let new = c.seal("p", "secret");
        assert_ne!(Crypto::sealed_key_id(&old), Crypto::sealed_key_id(&new));
        assert_eq!(c.open("p", &old).unwrap(), "secret");
        assert_eq!(c.open("p", &new).unwrap(), "secret");
    }

    #[test]
    fn blind_index_is_deterministic_and_keyed() {
        let a = Crypto::new(Suite::Gm, KeyRing::ephemeral());
        let b = Crypto::new(Suite::Gm, KeyRing::ephemeral());
        assert_eq!(a.blind_index("id", "x"), a.blind_index("id", "x"));
        assert_eq!(a.blind_index("id", "x").len(), 32, "128 bits, hex");
        assert_ne!(a.blind_index("id", "x"), b.blind_index("id", "x"));
        assert_ne!(a.blind_index("id", "x"), a.blind_index("phone", "x"));
    }
}
