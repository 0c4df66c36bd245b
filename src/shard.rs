//! `--shard K/N`: a deterministic split of the work across N runs, by a stable hash of the host
//! name (logs, state, order: all of a host's logs land in one shard) or of the file's path
//! (packages, versions, extract). Shards are disjoint and together cover everything.
//!
//! The hash is 64-bit FNV-1a over the UTF-8 bytes of the key in lower case (host names compare
//! case-insensitively); the key belongs to shard `hash % N + 1`. In Python:
//!
//! ```text
//! def shard(key, n):
//!     h = 0xcbf29ce484222325
//!     for b in key.lower().encode():
//!         h = ((h ^ b) * 0x100000001b3) % 2**64
//!     return h % n + 1
//! ```

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index of this shard.
    pub k: u64,
    pub n: u64,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a shard: write K/N with 1 <= K <= N (e.g. 2/4)");
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

/// 64-bit FNV-1a of the key in lower case.
pub fn hash(key: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.to_lowercase().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The shard (1 to `n`) a key belongs to.
pub fn shard_of(key: &str, n: u64) -> u64 {
    hash(key) % n + 1
}

impl Shard {
    pub fn contains(&self, key: &str) -> bool {
        shard_of(key, self.n) == self.k
    }
}

/// Whether `key` is in `shard` (everything is, without one).
pub fn keeps(shard: Option<Shard>, key: &str) -> bool {
    shard.is_none_or(|s| s.contains(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!("2/4".parse(), Ok(Shard { k: 2, n: 4 }));
        for bad in ["0/3", "4/3", "x", "1/0", "1", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_documented_hash() {
        // FNV-1a 64 of "" and "a" (published test vectors), case-insensitive keys.
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash("A"), hash("a"));
        assert_eq!(shard_of("a", 10), 0xaf63_dc4c_8601_ec8c % 10 + 1);
        assert_eq!(shard_of("SRV-WEB01", 7), shard_of("srv-web01", 7));
    }

    #[test]
    fn shards_are_disjoint_and_cover_everything() {
        for n in 1..8 {
            for key in ["SRV-WEB01", "JP-FS01", "", "サーバ01"] {
                let owners = (1..=n).filter(|&k| Shard { k, n }.contains(key)).count();
                assert_eq!(owners, 1);
            }
        }
    }
}
