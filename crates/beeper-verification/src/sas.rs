//! SAS emoji and decimals as data: the 7 emoji with their names from the Matrix 64-entry
//! table, parsed tolerantly from the API's `sas.emojis` string whatever the separator, and the
//! three numbers from `sas.decimals`, once, when a response is decoded.

use std::fmt;

use crate::Sas;

/// The Matrix SAS emoji table: index, symbol and description as the Matrix specification gives
/// them (`data-definitions/sas-emoji.json`).
pub const SAS_EMOJI: [(&str, &str); 64] = [
    ("🐶", "Dog"),
    ("🐱", "Cat"),
    ("🦁", "Lion"),
    ("🐎", "Horse"),
    ("🦄", "Unicorn"),
    ("🐷", "Pig"),
    ("🐘", "Elephant"),
    ("🐰", "Rabbit"),
    ("🐼", "Panda"),
    ("🐓", "Rooster"),
    ("🐧", "Penguin"),
    ("🐢", "Turtle"),
    ("🐟", "Fish"),
    ("🐙", "Octopus"),
    ("🦋", "Butterfly"),
    ("🌷", "Flower"),
    ("🌳", "Tree"),
    ("🌵", "Cactus"),
    ("🍄", "Mushroom"),
    ("🌏", "Globe"),
    ("🌙", "Moon"),
    ("☁️", "Cloud"),
    ("🔥", "Fire"),
    ("🍌", "Banana"),
    ("🍎", "Apple"),
    ("🍓", "Strawberry"),
    ("🌽", "Corn"),
    ("🍕", "Pizza"),
    ("🎂", "Cake"),
    ("❤️", "Heart"),
    ("🙂", "Smiley"),
    ("🤖", "Robot"),
    ("🎩", "Hat"),
    ("👓", "Glasses"),
    ("🔧", "Spanner"),
    ("🎅", "Santa"),
    ("👍", "Thumbs Up"),
    ("☂️", "Umbrella"),
    ("⌛", "Hourglass"),
    ("⏰", "Clock"),
    ("🎁", "Gift"),
    ("💡", "Light Bulb"),
    ("📕", "Book"),
    ("✏️", "Pencil"),
    ("📎", "Paperclip"),
    ("✂️", "Scissors"),
    ("🔒", "Lock"),
    ("🔑", "Key"),
    ("🔨", "Hammer"),
    ("☎️", "Telephone"),
    ("🏁", "Flag"),
    ("🚂", "Train"),
    ("🚲", "Bicycle"),
    ("✈️", "Aeroplane"),
    ("🚀", "Rocket"),
    ("🏆", "Trophy"),
    ("⚽", "Ball"),
    ("🎸", "Guitar"),
    ("🎺", "Trumpet"),
    ("🔔", "Bell"),
    ("⚓", "Anchor"),
    ("🎧", "Headphones"),
    ("📁", "Folder"),
    ("📌", "Pin"),
];

/// One emoji to compare.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Emoji {
    /// The emoji as text, such as `🐶`.
    pub symbol: String,
    /// Its name in the Matrix table, such as `Dog`; `None` for a symbol the table lacks.
    pub description: Option<&'static str>,
}

const VARIATION_SELECTOR: char = '\u{FE0F}';
const ZERO_WIDTH_JOINER: char = '\u{200D}';

/// The table entry whose symbol is `text`, with or without the emoji variation selector.
fn lookup(text: &str) -> Option<(&'static str, &'static str)> {
    let bare: String = text.chars().filter(|c| *c != VARIATION_SELECTOR).collect();
    SAS_EMOJI.iter().copied().find(|(symbol, _)| {
        symbol
            .chars()
            .filter(|c| *c != VARIATION_SELECTOR)
            .eq(bare.chars())
    })
}

/// Splits text into emoji-sized clusters: a character with its variation selectors, skin tones,
/// keycap mark and zero-width-joined followers.
fn clusters(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut join_next = false;
    for c in text.chars() {
        let extends = matches!(
            c,
            VARIATION_SELECTOR | ZERO_WIDTH_JOINER | '\u{20E3}' | '\u{1F3FB}'..='\u{1F3FF}'
        );
        match out.last_mut() {
            Some(last) if extends || join_next => last.push(c),
            _ => out.push(c.to_string()),
        }
        join_next = c == ZERO_WIDTH_JOINER;
    }
    out
}

/// Parses the API's emoji string, whatever separates the emoji (spaces, commas, bars, nothing),
/// skipping names written beside them (`🐶 Dog`).
pub(crate) fn parse_emojis(text: &str) -> Vec<Emoji> {
    let mut emojis = Vec::new();
    let separators = |c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | '|' | '·' | '/' | '(' | ')' | '[' | ']' | '"')
    };
    for token in text.split(separators).filter(|t| !t.is_empty()) {
        if token
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '\''))
        {
            // A word: a name beside an emoji, or a label; not something to compare.
            continue;
        }
        for cluster in clusters(token) {
            if cluster
                .chars()
                .all(|c| c.is_alphanumeric() || c.is_ascii_punctuation())
            {
                continue;
            }
            emojis.push(match lookup(&cluster) {
                Some((symbol, description)) => Emoji {
                    symbol: symbol.to_owned(),
                    description: Some(description),
                },
                None => Emoji {
                    symbol: cluster,
                    description: None,
                },
            });
        }
    }
    emojis
}

/// The numbers of the API's decimals string, when it holds exactly three.
pub(crate) fn parse_decimals(text: &str) -> Option<[u16; 3]> {
    let numbers: Vec<u16> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    numbers.try_into().ok()
}

/// The wire shape of `verification.sas`: the two strings as the API sends them.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub(crate) struct SasText {
    /// The emoji sequence to compare on both devices.
    pub emojis: String,
    /// The number sequence to compare on both devices, when negotiated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<String>,
}

impl From<SasText> for Sas {
    fn from(text: SasText) -> Self {
        Self {
            emojis: parse_emojis(&text.emojis).try_into().ok(),
            decimals: text.decimals.as_deref().and_then(parse_decimals),
            emojis_text: text.emojis,
            decimals_text: text.decimals,
        }
    }
}

impl From<Sas> for SasText {
    fn from(sas: Sas) -> Self {
        Self {
            emojis: sas.emojis_text,
            decimals: sas.decimals_text,
        }
    }
}

/// One plain line: the emoji with their names, then the numbers, such as
/// `🐶 Dog, 🐱 Cat, 🦁 Lion, 🐎 Horse, 🦄 Unicorn, 🐷 Pig, 🐘 Elephant (1234 5678 9012)`.
/// Text the crate cannot read is shown as the server sent it, on one line, with any control
/// character escaped.
impl fmt::Display for Sas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let one_line = |text: &str| {
            let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            crate::shown::shown(&line).into_owned()
        };
        match &self.emojis {
            Some(emojis) => {
                let shown: Vec<String> = emojis
                    .iter()
                    .map(|e| match e.description {
                        Some(name) => format!("{} {name}", e.symbol),
                        None => crate::shown::shown(&e.symbol).into_owned(),
                    })
                    .collect();
                f.write_str(&shown.join(", "))?;
            }
            None => f.write_str(&one_line(&self.emojis_text))?,
        }
        match (self.decimals, &self.decimals_text) {
            (Some([a, b, c]), _) => write!(f, " ({a} {b} {c})"),
            (None, Some(raw)) if !raw.trim().is_empty() => write!(f, " ({})", one_line(raw)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sas(emojis: &str, decimals: Option<&str>) -> Sas {
        Sas::from(SasText {
            emojis: emojis.to_owned(),
            decimals: decimals.map(str::to_owned),
        })
    }

    fn described(text: &str) -> Vec<(String, Option<&'static str>)> {
        parse_emojis(text)
            .into_iter()
            .map(|e| (e.symbol, e.description))
            .collect()
    }

    #[test]
    fn the_table_has_64_distinct_symbols() {
        let mut symbols: Vec<&str> = SAS_EMOJI.iter().map(|(s, _)| *s).collect();
        symbols.sort_unstable();
        symbols.dedup();
        assert_eq!(symbols.len(), 64);
        assert_eq!(SAS_EMOJI[0], ("🐶", "Dog"));
        assert_eq!(SAS_EMOJI[63], ("📌", "Pin"));
    }

    #[test]
    fn any_separator_gives_the_same_seven() {
        let expected = ["Dog", "Cat", "Lion", "Horse", "Unicorn", "Pig", "Elephant"];
        for text in [
            "🐶 🐱 🦁 🐎 🦄 🐷 🐘",
            "🐶,🐱,🦁,🐎,🦄,🐷,🐘",
            "🐶🐱🦁🐎🦄🐷🐘",
            "🐶 | 🐱 | 🦁 | 🐎 | 🦄 | 🐷 | 🐘",
            "🐶 Dog, 🐱 Cat, 🦁 Lion, 🐎 Horse, 🦄 Unicorn, 🐷 Pig, 🐘 Elephant",
            "  🐶\t🐱\n🦁  🐎 🦄 🐷 🐘  ",
        ] {
            let names: Vec<_> = parse_emojis(text).iter().map(|e| e.description).collect();
            assert_eq!(names, expected.map(Some), "{text:?}");
        }
    }

    #[test]
    fn symbols_with_and_without_the_variation_selector_are_known() {
        assert_eq!(
            described("☁ ☁️ ❤ ✈️"),
            [
                ("☁️".to_owned(), Some("Cloud")),
                ("☁️".to_owned(), Some("Cloud")),
                ("❤️".to_owned(), Some("Heart")),
                ("✈️".to_owned(), Some("Aeroplane")),
            ]
        );
        assert_eq!(
            described("👍 Thumbs Up 💡 Light Bulb"),
            [
                ("👍".to_owned(), Some("Thumbs Up")),
                ("💡".to_owned(), Some("Light Bulb")),
            ]
        );
    }

    #[test]
    fn an_unknown_symbol_keeps_its_text_without_description() {
        assert_eq!(
            described("🐶 🫠 👨‍👩‍👧 👍🏽"),
            [
                ("🐶".to_owned(), Some("Dog")),
                ("🫠".to_owned(), None),
                ("👨‍👩‍👧".to_owned(), None),
                ("👍🏽".to_owned(), None),
            ]
        );
    }

    #[test]
    fn decimals_need_exactly_three_numbers() {
        assert_eq!(
            sas("🐶", Some("1234 5678 9012")).decimals,
            Some([1234, 5678, 9012])
        );
        assert_eq!(
            sas("🐶", Some("1234-5678-9012")).decimals,
            Some([1234, 5678, 9012])
        );
        assert_eq!(sas("🐶", Some("1234 5678")).decimals, None);
        assert_eq!(sas("🐶", None).decimals, None);
    }

    #[test]
    fn seven_emoji_are_parsed_once_and_other_counts_keep_only_the_text() {
        let seven = sas("🐶 🐱 🦁 🐎 🦄 🐷 🐘", None);
        let names: Vec<_> = seven
            .emojis
            .as_ref()
            .map(|e| e.iter().map(|e| e.description).collect())
            .unwrap_or_default();
        assert_eq!(names.len(), 7);
        assert_eq!(names[6], Some("Elephant"));
        let three = sas("🐶 🐱 🦁", Some("12 34"));
        assert_eq!((three.emojis, three.decimals), (None, None));
        assert_eq!(three.emojis_text, "🐶 🐱 🦁");
        assert_eq!(three.decimals_text.as_deref(), Some("12 34"));
    }

    #[test]
    fn it_serializes_back_to_the_wire_strings() {
        let wire = r#"{"emojis":"🐶,🐱 ,🦁,🐎,🦄,🐷,🐘","decimals":"1234 5678 9012"}"#;
        let parsed: Sas = serde_json::from_str(wire).expect("decodes");
        assert!(parsed.emojis.is_some());
        assert_eq!(serde_json::to_string(&parsed).ok().as_deref(), Some(wire));
    }

    #[test]
    fn display_is_one_plain_line() {
        assert_eq!(
            sas("🐶 🐱 🦁 🐎 🦄 🐷 🫠", Some("1234 5678 9012")).to_string(),
            "🐶 Dog, 🐱 Cat, 🦁 Lion, 🐎 Horse, 🦄 Unicorn, 🐷 Pig, 🫠 (1234 5678 9012)"
        );
        assert_eq!(
            sas(" cat\ndog  fish ", Some(" 12\n34 ")).to_string(),
            "cat dog fish (12 34)"
        );
        assert_eq!(sas("🐶 🐱", None).to_string(), "🐶 🐱");
    }
}
