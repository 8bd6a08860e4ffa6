//! What the simulated devices show: the 7 SAS emoji (from the Matrix 64-entry table), the three
//! SAS numbers, and the QR payloads. Derived from the verification ID, so a given verification
//! always shows the same values, as two real devices would.

/// The Matrix SAS emoji table, in index order (the spec's `sas-emoji.json`).
const SAS_EMOJI: [&str; 64] = [
    "🐶", "🐱", "🦁", "🐎", "🦄", "🐷", "🐘", "🐰", "🐼", "🐓", "🐧", "🐢", "🐟", "🐙", "🦋", "🌷",
    "🌳", "🌵", "🍄", "🌏", "🌙", "☁️", "🔥", "🍌", "🍎", "🍓", "🌽", "🍕", "🎂", "❤️", "🙂", "🤖",
    "🎩", "👓", "🔧", "🎅", "👍", "☂️", "⌛", "⏰", "🎁", "💡", "📕", "✏️", "📎", "✂️", "🔒", "🔑",
    "🔨", "☎️", "🏁", "🚂", "🚲", "✈️", "🚀", "🏆", "⚽", "🎸", "🎺", "🔔", "⚓", "🎧", "📁", "📌",
];

fn rng_for(id: &str, salt: u64) -> fastrand::Rng {
    // FNV-1a: stable across runs and platforms, unlike the std hasher.
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    fastrand::Rng::with_seed(hash ^ salt)
}

/// Seven emoji separated by spaces, as `sas.emojis`.
pub(crate) fn emojis(id: &str) -> String {
    let mut rng = rng_for(id, 1);
    (0..7)
        .map(|_| SAS_EMOJI[rng.usize(..SAS_EMOJI.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Three numbers from 1000 to 9191 separated by spaces, as `sas.decimals`.
pub(crate) fn decimals(id: &str) -> String {
    let mut rng = rng_for(id, 2);
    (0..3)
        .map(|_| (1000 + rng.u32(..8192)).to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The QR payload this device shows for `id`.
pub(crate) fn our_qr(id: &str) -> String {
    format!(
        "BEEPER-FAKE-QR:{id}:this-device:{:016x}",
        rng_for(id, 3).u64(..)
    )
}

/// The QR payload the other device shows for `id`.
pub(crate) fn peer_qr(id: &str) -> String {
    format!(
        "BEEPER-FAKE-QR:{id}:other-device:{:016x}",
        rng_for(id, 4).u64(..)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_emoji_from_the_table_and_three_numbers_in_range() {
        for n in 0..200 {
            let id = format!("v{n}");
            let shown = emojis(&id);
            let symbols: Vec<&str> = shown.split(' ').collect();
            assert_eq!(symbols.len(), 7, "{shown}");
            assert!(symbols.iter().all(|s| SAS_EMOJI.contains(s)), "{shown}");
            let numbers: Vec<u32> = decimals(&id)
                .split(' ')
                .filter_map(|d| d.parse().ok())
                .collect();
            assert_eq!(numbers.len(), 3);
            assert!(
                numbers.iter().all(|n| (1000..=9191).contains(n)),
                "{numbers:?}"
            );
        }
    }

    #[test]
    fn the_same_verification_always_shows_the_same_values() {
        assert_eq!(emojis("abc"), emojis("abc"));
        assert_ne!(our_qr("abc"), peer_qr("abc"));
    }
}
