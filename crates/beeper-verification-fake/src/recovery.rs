//! The account's recovery key: how the fake makes one, and how it compares the one a person
//! types with it.
//!
//! A key looks like a Matrix recovery key: 35 bytes (the prefix `0x8B 0x01`, 32 random bytes
//! and a parity byte, the XOR of the others) in base58, 48 characters in 12 groups of 4
//! separated by spaces, such as `EsTc 9bD2 ...`. The fake only compares keys; nothing decodes
//! them, so a key given to it (`--recovery-key`) may be any text.

/// The base58 alphabet of Bitcoin, which Matrix recovery keys use.
const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Characters per group of a key as it is shown.
const GROUP: usize = 4;

/// A fresh key in the Matrix recovery-key look, drawn from `rng`.
pub(crate) fn generate(rng: &mut fastrand::Rng) -> String {
    let mut bytes = vec![0x8B, 0x01];
    bytes.extend(std::iter::repeat_with(|| rng.u8(..)).take(32));
    let parity = bytes.iter().fold(0u8, |p, b| p ^ b);
    bytes.push(parity);
    let digits = base58(&bytes);
    let groups: Vec<String> = digits
        .chunks(GROUP)
        .map(|g| {
            g.iter()
                .map(|&d| char::from(ALPHABET[usize::from(d)]))
                .collect()
        })
        .collect();
    groups.join(" ")
}

/// The base58 digits (0 to 57) of `bytes` read as one big-endian number, most significant
/// first. No leading zero bytes occur in a key (it starts with `0x8B`), so none are kept.
fn base58(bytes: &[u8]) -> Vec<u8> {
    let mut number = bytes.to_vec();
    let mut digits = Vec::new();
    while number.iter().any(|&b| b != 0) {
        let mut remainder = 0u32;
        for byte in &mut number {
            let value = (remainder << 8) | u32::from(*byte);
            // value < 58 * 256, so the quotient fits in a byte.
            *byte = (value / 58) as u8;
            remainder = value % 58;
        }
        digits.push(remainder as u8);
    }
    digits.reverse();
    digits
}

/// Whether a key can be the account's: some text that is not whitespace, and no control
/// characters (the binary prints it on one line).
pub(crate) fn is_usable(key: &str) -> bool {
    key.chars().any(|c| !c.is_whitespace()) && !key.chars().any(char::is_control)
}

/// Whether `given` is `key`, ignoring all whitespace in either (a person types spaces between
/// the groups, or none, and may paste a line break). Compared in time that does not depend on
/// where they first differ.
pub(crate) fn same_key(given: &str, key: &str) -> bool {
    let given: Vec<char> = given.chars().filter(|c| !c.is_whitespace()).collect();
    let key: Vec<char> = key.chars().filter(|c| !c.is_whitespace()).collect();
    given.len() == key.len()
        && given.iter().zip(&key).fold(0u32, |differ, (a, b)| {
            differ | (u32::from(*a) ^ u32::from(*b))
        }) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_has_twelve_groups_of_four_base58_characters_and_starts_as_matrix_keys_do() {
        for seed in 0..200 {
            let key = generate(&mut fastrand::Rng::with_seed(seed));
            let groups: Vec<&str> = key.split(' ').collect();
            assert_eq!(groups.len(), 12, "{key}");
            assert!(groups.iter().all(|g| g.len() == 4), "{key}");
            assert!(key.bytes().all(|b| b == b' ' || ALPHABET.contains(&b)));
            assert!(key.starts_with("Es"), "{key}");
            assert!(is_usable(&key));
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_key_and_another_seed_another() {
        let key = |seed| generate(&mut fastrand::Rng::with_seed(seed));
        assert_eq!(key(7), key(7));
        assert_ne!(key(7), key(8));
    }

    #[test]
    fn base58_reads_bytes_as_a_number() {
        assert_eq!(base58(&[0]), Vec::<u8>::new());
        assert_eq!(base58(&[57]), [57]);
        assert_eq!(base58(&[58]), [1, 0]);
        assert_eq!(base58(&[1, 0]), [4, 24]); // 256 = 4 * 58 + 24
    }

    #[test]
    fn keys_compare_without_whitespace_and_with_case() {
        assert!(same_key("EsTc 9bD2", "EsTc 9bD2"));
        assert!(same_key("EsTc9bD2", "EsTc 9bD2"));
        assert!(same_key("  EsTc\t9b D2\n", "EsTc 9bD2"));
        assert!(!same_key("estc 9bd2", "EsTc 9bD2"));
        assert!(!same_key("EsTc 9bD", "EsTc 9bD2"));
        assert!(!same_key("", "EsTc 9bD2"));
    }

    #[test]
    fn a_usable_key_is_visible_text_on_one_line() {
        assert!(is_usable("my key"));
        assert!(!is_usable(""));
        assert!(!is_usable(" \t "));
        assert!(!is_usable("one\ntwo"));
    }
}
