//! A map's JSON read as `JSON.parse` reads it, which is how browsers, Node and devtools read
//! maps: a key given twice keeps its last value, and a field of the wrong type is simply not
//! that field (a consumer reads `map.sourceRoot` and gets a number, which is no URL), so it can
//! never hide the other fields. A derived serde struct does neither: it errors on a duplicate
//! key and on any type mismatch, and a map it rejects would be checked for nothing.
//!
//! Every field is first taken as raw JSON borrowed from the map's bytes (the last copy of the
//! key), then read leniently. `sources` stays raw and is streamed one entry at a time
//! (`each_source`), so a map with ten million of them costs no more than its own bytes, and
//! `sourcesContent` is a list of raw strings decoded one original at a time.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A map as the checks read it. `mappings` is borrowed and only checked for well-formed VLQ,
/// never decoded. Unknown fields (`names`, `x_google_ignoreList`, ...) are skipped, as in every
/// consumer of maps.
#[derive(Debug, Default)]
pub(super) struct RawMap<'a> {
    pub file: Option<String>,
    pub source_root: Option<String>,
    /// The raw `sources` array; see `each_source`.
    pub sources: Option<&'a RawValue>,
    pub sources_content: Vec<Option<&'a RawValue>>,
    pub sections: Option<Vec<RawSection<'a>>>,
    pub mappings: Option<Cow<'a, str>>,
}

/// A section of an index map: an embedded map or the URL of one.
#[derive(Debug, Default)]
pub(super) struct RawSection<'a> {
    pub url: Option<String>,
    pub map: Option<RawMap<'a>>,
}

const MAP_KEYS: [&str; 6] = [
    "file",
    "sourceRoot",
    "sources",
    "sourcesContent",
    "sections",
    "mappings",
];
const SECTION_KEYS: [&str; 2] = ["url", "map"];

impl<'a> RawMap<'a> {
    /// Parses a map's text. Errors only when it is not JSON, or not an object.
    pub fn parse(data: &'a [u8]) -> serde_json::Result<RawMap<'a>> {
        let [file, root, sources, content, sections, mappings] = last_of(data, &MAP_KEYS)?;
        let list = |raw: Option<&'a RawValue>| {
            raw.and_then(|raw| serde_json::from_str::<Vec<&'a RawValue>>(raw.get()).ok())
        };
        let sources_content = list(content)
            .unwrap_or_default()
            .into_iter()
            .map(|raw| raw.get().starts_with('"').then_some(raw))
            .collect();
        let sections = list(sections).map(|list| {
            list.into_iter()
                .map(|raw| match last_of(raw.get().as_bytes(), &SECTION_KEYS) {
                    Ok([url, map]) => RawSection {
                        url: url.and_then(string),
                        map: map.and_then(|m| RawMap::parse(m.get().as_bytes()).ok()),
                    },
                    Err(_) => RawSection::default(),
                })
                .collect()
        });
        Ok(RawMap {
            file: file.and_then(string),
            source_root: root.and_then(string),
            sources: sources.filter(|raw| raw.get().starts_with('[')),
            sources_content,
            sections,
            mappings: mappings.and_then(borrowed),
        })
    }

    /// Calls `f` with the index and value of every `sources` entry; an entry that is not a
    /// string is `None`. Returns how many there are.
    pub fn each_source(&self, mut f: impl FnMut(usize, Option<Cow<'a, str>>)) -> usize {
        let Some(raw) = self.sources else { return 0 };
        let mut de = serde_json::Deserializer::from_str(raw.get());
        de.deserialize_seq(EachSource { f: &mut f })
            .unwrap_or_default()
    }
}

/// A JSON string's value; `None` for any other type.
fn string(raw: &RawValue) -> Option<String> {
    serde_json::from_str(raw.get()).ok()
}

/// A JSON string's value, borrowed from the map's bytes when it has no escapes.
fn borrowed(raw: &RawValue) -> Option<Cow<'_, str>> {
    if let Ok(s) = serde_json::from_str::<&str>(raw.get()) {
        return Some(Cow::Borrowed(s));
    }
    string(raw).map(Cow::Owned)
}

/// The raw value of the last copy of each of `keys` in a JSON object (`JSON.parse` keeps the
/// last), every other key skipped unread.
fn last_of<'a, const N: usize>(
    data: &'a [u8],
    keys: &'static [&'static str; N],
) -> serde_json::Result<[Option<&'a RawValue>; N]> {
    let mut de = serde_json::Deserializer::from_slice(data);
    let values = LastOf(keys).deserialize(&mut de)?;
    de.end()?;
    Ok(values)
}

struct LastOf<const N: usize>(&'static [&'static str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for LastOf<N> {
    type Value = [Option<&'de RawValue>; N];

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for LastOf<N> {
    type Value = [Option<&'de RawValue>; N];

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut values = [None; N];
        while let Some(key) = map.next_key::<String>()? {
            match self.0.iter().position(|k| *k == key) {
                Some(i) => values[i] = Some(map.next_value::<&'de RawValue>()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(values)
    }
}

/// Streams a `sources` array into a callback, one entry at a time.
struct EachSource<'f, F> {
    f: &'f mut F,
}

impl<'de, F: FnMut(usize, Option<Cow<'de, str>>)> Visitor<'de> for EachSource<'_, F> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of sources")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<usize, S::Error> {
        let mut i = 0;
        while let Some(entry) = seq.next_element_seed(Entry)? {
            (self.f)(i, entry);
            i += 1;
        }
        Ok(i)
    }
}

/// One `sources` entry: a string (borrowed when it has no escapes), or `None` for any other
/// value.
struct Entry;

impl<'de> DeserializeSeed<'de> for Entry {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a source")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(map: &RawMap<'_>) -> Vec<Option<String>> {
        let mut out = Vec::new();
        map.each_source(|_, s| out.push(s.map(Cow::into_owned)));
        out
    }

    #[test]
    fn the_last_copy_of_a_key_wins_as_in_json_parse() {
        let map = RawMap::parse(
            br#"{"sourceRoot":"","sources":["a.ts"],"sourceRoot":"https://b.s3.amazonaws.com/","mappings":"AAAA"}"#,
        )
        .expect("valid JSON");
        assert_eq!(
            map.source_root.as_deref(),
            Some("https://b.s3.amazonaws.com/")
        );
        assert_eq!(sources(&map), vec![Some("a.ts".to_string())]);
    }

    #[test]
    fn a_wrong_type_elsewhere_hides_nothing() {
        let map = RawMap::parse(
            br#"{"version":"3","file":7,"names":{"x":1},"sections":5,"sourceRoot":"s3://b/","sources":["a.ts",4,null,"b\/c.ts"],"sourcesContent":[1,"x"],"mappings":["AAAA"]}"#,
        )
        .expect("valid JSON");
        assert_eq!(map.file, None);
        assert_eq!(map.source_root.as_deref(), Some("s3://b/"));
        assert_eq!(
            sources(&map),
            vec![Some("a.ts".into()), None, None, Some("b/c.ts".into())]
        );
        assert_eq!(map.sources_content.len(), 2);
        assert!(map.sources_content[0].is_none() && map.sources_content[1].is_some());
        assert!(map.mappings.is_none() && map.sections.is_none());
        assert!(RawMap::parse(b"[1]").is_err());
        assert!(RawMap::parse(b"{").is_err());
    }

    #[test]
    fn sections_read_the_same_way() {
        let map = RawMap::parse(
            br#"{"sections":[{"offset":{},"url":1,"url":"https://x.example/m.map"},{"map":{"sources":["s.ts"],"sourceRoot":1,"sourceRoot":"gs://b/"}},3]}"#,
        )
        .expect("valid JSON");
        let sections = map.sections.expect("sections");
        assert_eq!(sections.len(), 3);
        assert_eq!(sections[0].url.as_deref(), Some("https://x.example/m.map"));
        let inner = sections[1].map.as_ref().expect("an embedded map");
        assert_eq!(inner.source_root.as_deref(), Some("gs://b/"));
        assert_eq!(sources(inner), vec![Some("s.ts".to_string())]);
    }
}
