//! Password hashing. A stored hash names its scheme, so hashes made under one suite still
//! verify after the server switches to the other:
//! `pbkdf2-sm3$<iterations>$<salt>$<hash>` or `argon2id$<m>,<t>,<p>$<salt>$<hash>` (base64).

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use sm3::Sm3;

use crate::Suite;

/// PBKDF2-HMAC-SM3 rounds for new hashes.
pub const PBKDF2_ROUNDS: u32 = 100_000;

/// Hashes `password` with the suite's scheme and a fresh salt.
pub fn hash(suite: Suite, password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    match suite {
        Suite::Gm => {
            let out = pbkdf2_sm3(password, &salt, PBKDF2_ROUNDS);
            format!("pbkdf2-sm3${PBKDF2_ROUNDS}${}${}", B64.encode(salt), B64.encode(out))
        }
        Suite::Intl => {
            let (m, t, p) = (19_456, 2, 1);
            let out = argon2id(password, &salt, m, t, p).unwrap_or_default();
            format!("argon2id${m},{t},{p}${}${}", B64.encode(salt), B64.encode(out))
        }
    }
}

/// True when `password` matches `stored`. Unknown or broken hashes never match.
pub fn verify(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [scheme, params, salt, expected] = parts[..] else { return false };
    let (Ok(salt), Ok(expected)) = (B64.decode(salt), B64.decode(expected)) else { return false };
    let actual = match scheme {
        "pbkdf2-sm3" => match params.parse::<u32>() {
            Ok(rounds) if rounds > 0 => pbkdf2_sm3(password, &salt, rounds).to_vec(),
            _ => return false,
        },
        "argon2id" => {
            let p: Vec<u32> = params.split(',').filter_map(|x| x.parse().ok()).collect();
            let [m, t, par] = p[..] else { return false };
            match argon2id(password, &salt, m, t, par) {
                Some(out) => out.to_vec(),
                None => return false,
            }
        }
        _ => return false,
    };
    constant_time_eq(&actual, &expected)
}

fn pbkdf2_sm3(password: &str, salt: &[u8], rounds: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sm3>(password.as_bytes(), salt, rounds, &mut out);
    out
}

fn argon2id(password: &str, salt: &[u8], m: u32, t: u32, p: u32) -> Option<[u8; 32]> {
    let params = Params::new(m, t, p, Some(32)).ok()?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password_into(password.as_bytes(), salt, &mut out).ok()?;
    Some(out)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_suites_verify_their_own_hashes_and_reject_others() {
        for suite in [Suite::Gm, Suite::Intl] {
            let h = hash(suite, "Abcdef12!");
            assert!(verify("Abcdef12!", &h), "{h}");
            assert!(!verify("Abcdef12?", &h));
        }
        assert!(hash(Suite::Gm, "x").starts_with("pbkdf2-sm3$"));
        assert!(hash(Suite::Intl, "x").starts_with("argon2id$"));
    }

    #[test]
    fn salts_differ_and_junk_never_verifies() {
        assert_ne!(hash(Suite::Gm, "p"), hash(Suite::Gm, "p"));
        for junk in ["", "$$$", "pbkdf2-sm3$0$AA$AA", "md5$1$AA$AA", "argon2id$1$AA$AA"] {
            assert!(!verify("p", junk), "{junk}");
        }
    }
}
