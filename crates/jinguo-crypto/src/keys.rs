//! Keys: a ring of 32-byte master keys, the newest first, each with an id. Field ciphertexts
//! carry the id of the key that sealed them, so `jinguo keys rotate` can add a new key and
//! re-encrypt at leisure without losing anything.
//!
//! The key file holds one key a line, `id:hex`, the current key last. It is created with mode
//! 0600 on first run; `JINGUO_KEYS` (the same lines joined by `;`) replaces it, so a KMS or a
//! secret store can provide keys without a file.

use std::io::Write;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sm3::Sm3;
use zeroize::Zeroizing;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    Gm,
    Intl,
}

impl Suite {
    pub fn parse(s: &str) -> Result<Suite, KeyError> {
        match s.trim() {
            "gm" | "" => Ok(Suite::Gm),
            "intl" => Ok(Suite::Intl),
            other => Err(KeyError::Format(format!("未知的密码套件 {other}，应为 gm 或 intl"))),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Suite::Gm => "gm",
            Suite::Intl => "intl",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("密钥文件读写失败（{path}）：{source}")]
    Io { path: String, source: std::io::Error },
    #[error("密钥格式错误：{0}")]
    Format(String),
}

/// One master key.
pub struct Key {
    pub id: u32,
    secret: Zeroizing<[u8; 32]>,
}

impl Key {
    fn generate(id: u32) -> Key {
        let mut secret = Zeroizing::new([0u8; 32]);
        rand::fill(&mut secret[..]);
        Key { id, secret }
    }

    /// A sub-key for one purpose, derived with HMAC-SM3 so that the cipher key and the
    /// blind-index key are never the same bytes.
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let mut mac = <Hmac<Sm3> as KeyInit>::new_from_slice(&self.secret[..]).unwrap_or_else(|_| unreachable!());
        mac.update(purpose.as_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&mac.finalize().into_bytes());
        out
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key {{ id: {}, secret: <redacted> }}", self.id)
    }
}

/// The keys this server knows; the last is current.
#[derive(Debug)]
pub struct KeyRing {
    keys: Vec<Key>,
}

impl KeyRing {
    /// Reads `JINGUO_KEYS` if `env` is given, otherwise the key file at `path`, creating it
    /// (mode 0600) with one fresh key when it does not exist.
    pub fn load_or_create(path: &Path, env: Option<&str>) -> Result<KeyRing, KeyError> {
        if let Some(lines) = env {
            return KeyRing::parse(&lines.replace(';', "\n"));
        }
        match std::fs::read_to_string(path) {
            Ok(text) => KeyRing::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let ring = KeyRing { keys: vec![Key::generate(1)] };
                ring.save(path)?;
                Ok(ring)
            }
            Err(source) => Err(KeyError::Io { path: path.display().to_string(), source }),
        }
    }

    /// A ring with one random key, for tests and throwaway instances.
    pub fn ephemeral() -> KeyRing {
        KeyRing { keys: vec![Key::generate(1)] }
    }

    pub fn parse(text: &str) -> Result<KeyRing, KeyError> {
        let mut keys = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (id, hexkey) = line.split_once(':').ok_or_else(|| KeyError::Format("每行应为 编号:十六进制密钥".into()))?;
            let id: u32 = id.trim().parse().map_err(|_| KeyError::Format(format!("密钥编号不是数字：{id}")))?;
            let bytes = Zeroizing::new(hex::decode(hexkey.trim()).map_err(|_| KeyError::Format(format!("密钥 {id} 不是十六进制")))?);
            if bytes.len() != 32 {
                return Err(KeyError::Format(format!("密钥 {id} 应为 32 字节")));
            }
            let mut secret = Zeroizing::new([0u8; 32]);
            secret.copy_from_slice(&bytes);
            keys.push(Key { id, secret });
        }
        if keys.is_empty() {
            return Err(KeyError::Format("密钥文件中没有密钥".into()));
        }
        Ok(KeyRing { keys })
    }

    /// Writes the ring to `path` with mode 0600, through a temporary file and a rename so a
    /// crash never leaves a half-written key file.
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        let io = |source| KeyError::Io { path: path.display().to_string(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(io)?;
        let mut text =
            Zeroizing::new(String::from("# Jinguo master keys: id:hex, the current key last. Keep this file secret and backed up.\n"));
        for key in &self.keys {
            text.push_str(&format!("{}:{}\n", key.id, hex::encode(&key.secret[..])));
        }
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(())
    }

    /// Adds a new current key (for rotation) and returns its id.
    pub fn rotate(&mut self) -> u32 {
        let id = self.keys.iter().map(|k| k.id).max().unwrap_or(0) + 1;
        self.keys.push(Key::generate(id));
        id
    }

    pub fn current(&self) -> &Key {
        // Never empty: every constructor puts at least one key in.
        &self.keys[self.keys.len() - 1]
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.keys.iter()
    }

    pub fn get(&self, id: u32) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The ids of the keys in the ring, oldest first (the last is current).
    pub fn ids(&self) -> Vec<u32> {
        self.keys.iter().map(|k| k.id).collect()
    }

    /// Drops every key but the current one and returns the ids dropped. Only for when nothing
    /// sealed under an old key remains (`jinguo keys rotate --retire-old` checks that first).
    pub fn retire_all_but_current(&mut self) -> Vec<u32> {
        let current = self.current().id;
        let retired = self.keys.iter().map(|k| k.id).filter(|id| *id != current).collect();
        self.keys.retain(|k| k.id == current);
        retired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jinguo.key");
        let ring = KeyRing::load_or_create(&path, None).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let again = KeyRing::load_or_create(&path, None).unwrap();
        assert_eq!(*ring.current().derive("x"), *again.current().derive("x"));
    }

    #[test]
    fn rotation_keeps_old_keys() {
        let mut ring = KeyRing::ephemeral();
        let old = ring.current().id;
        let new = ring.rotate();
        assert_ne!(old, new);
        assert_eq!(ring.current().id, new);
        assert!(ring.get(old).is_some());
        assert_eq!(ring.ids(), vec![old, new]);
        assert_eq!(ring.retire_all_but_current(), vec![old]);
        assert_eq!(ring.ids(), vec![new]);
        assert!(ring.get(old).is_none());
    }

    #[test]
    fn bad_key_text_is_refused() {
        assert!(KeyRing::parse("").is_err());
        assert!(KeyRing::parse("1:abcd").is_err());
        assert!(KeyRing::parse("x:00").is_err());
    }
}
