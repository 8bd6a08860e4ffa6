//! SAS emoji and decimals as data: the 7 emoji with their names from the Matrix 64-entry
//! table, parsed tolerantly from the API's `sas.emojis` string whatever the separator, the three
//! numbers from `sas.decimals`, and a layout for a terminal.

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

impl Sas {
    /// The emoji to compare, in order, each with its name from the Matrix table.
    ///
    /// ```
    /// # use beeper_verification::Sas;
    /// # let sas: Sas = serde_json::from_str(r#"{"emojis": "🐶 🐱 🦁 🐎 🦄 🐷 🐘"}"#).unwrap();
    /// let names: Vec<_> = sas.emojis().iter().map(|e| e.description.unwrap_or("?")).collect();
    /// assert_eq!(names, ["Dog", "Cat", "Lion", "Horse", "Unicorn", "Pig", "Elephant"]);
    /// ```
    pub fn emojis(&self) -> Vec<Emoji> {
        parse_emojis(&self.emojis)
    }

    /// The three numbers to compare (each from 1000 to 9191), when the server sent them.
    pub fn decimals(&self) -> Option<[u16; 3]> {
        self.decimals.as_deref().and_then(parse_decimals)
    }
}

/// The emoji in a row with their names under them, and the numbers below, for a terminal:
///
/// ```text
///   🐶        🐱        🦁        🐎        🦄        🐷        🐘
///   Dog       Cat       Lion      Horse     Unicorn   Pig       Elephant
///
///   1234  5678  9012
/// ```
impl fmt::Display for Sas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let emojis = self.emojis();
        if emojis.is_empty() {
            writeln!(f, "  {}", self.emojis.trim())?;
        } else {
            let width = emojis
                .iter()
                .map(|e| e.description.map_or(1, str::len))
                .max()
                .unwrap_or(1)
                + 2;
            let mut symbols = String::from(" ");
            let mut names = String::from(" ");
            for emoji in &emojis {
                // An emoji takes two terminal columns.
                symbols.push_str(&format!(
                    " {}{}",
                    emoji.symbol,
                    " ".repeat(width.saturating_sub(2))
                ));
                names.push_str(&format!(" {:<width$}", emoji.description.unwrap_or("?")));
            }
            writeln!(f, "{}", symbols.trim_end())?;
            writeln!(f, "{}", names.trim_end())?;
        }
        match (self.decimals(), &self.decimals) {
            (Some([a, b, c]), _) => write!(f, "\n  {a}  {b}  {c}\n"),
            (None, Some(raw)) => write!(f, "\n  {}\n", raw.trim()),
            (None, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sas(emojis: &str, decimals: Option<&str>) -> Sas {
        Sas {
            emojis: emojis.to_owned(),
            decimals: decimals.map(str::to_owned),
        }
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
            sas("🐶", Some("1234 5678 9012")).decimals(),
            Some([1234, 5678, 9012])
        );
        assert_eq!(
            sas("🐶", Some("1234-5678-9012")).decimals(),
            Some([1234, 5678, 9012])
        );
        assert_eq!(sas("🐶", Some("1234 5678")).decimals(), None);
        assert_eq!(sas("🐶", None).decimals(), None);
    }

    #[test]
    fn the_terminal_layout_puts_names_under_emoji() {
        let shown = sas("🐶 🐱 🫠", Some("1234 5678 9012")).to_string();
        // Every column is as wide as the longest name plus two; an emoji takes two terminal columns.
        assert_eq!(
            shown,
            "  🐶    🐱    🫠\n  Dog   Cat   ?\n\n  1234  5678  9012\n"
        );
    }
}
