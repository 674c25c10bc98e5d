//! The keyword prefilter: one Aho-Corasick pass over a file finds every rule keyword, and
//! each occurrence becomes a window of the file where that rule's pattern can match.
//!
//! A rule with `keywords` promises that each of its matches contains one of them (`rules
//! test` checks the matches of its fail examples for that). A match of at most `reach` bytes
//! (`Rule::reach`, the longest match the pattern allows) that contains a keyword at `s..e`
//! lies inside `e - reach .. s + reach`. So a pattern runs only over the windows around its
//! keywords, merged, instead of over the whole file: where a keyword is rare, the regex
//! reads a few hundred bytes of a 50 MB bundle; where it is everywhere, the windows merge
//! into the whole file and the cost is what it was without windows.
//!
//! The automaton is a DFA searched with overlapping matches: a keyword inside another
//! (`key` in `apikey`) is still seen, and the DFA is three times faster than the default
//! NFA on megabytes of minified code, where this pass reads every byte.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::Rule;

/// Bytes past a window's last possible match byte kept in the haystack, so a look-around
/// assertion (`\b`, `$`) at the end of a match sees the real next character.
const LOOKAROUND: usize = 8;

/// The reach of a pattern with no bound on its matches: a PEM private key block, 16 KiB for
/// the largest RSA keys, fits with room to spare.
pub const MAX_REACH: usize = 64 << 10;

/// The keywords of every content rule, compiled once per scan.
pub struct Prefilter {
    ac: Option<AhoCorasick>,
    /// For each keyword (the automaton's pattern index), the rules (indices into the rule
    /// list) that listed it.
    keyword_rules: Vec<Vec<usize>>,
}

/// Where in one file each rule's pattern must run.
pub struct Windows {
    /// Indexed like the rule list: merged, sorted `start..end` ranges. Empty for a rule none
    /// of whose keywords occurs (and for rules that were not asked about).
    per_rule: Vec<Vec<(usize, usize)>>,
}

impl Windows {
    /// The windows of rule `i`; empty when none of its keywords occurs.
    pub fn of(&self, i: usize) -> &[(usize, usize)] {
        self.per_rule.get(i).map_or(&[], |w| w.as_slice())
    }
}

impl Prefilter {
    pub fn new(rules: &[Rule]) -> Prefilter {
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rule.pattern.is_none() {
                continue;
            }
            for k in &rule.keywords {
                let k = k.to_ascii_lowercase();
                match keywords.iter().position(|x| *x == k) {
                    Some(p) => keyword_rules[p].push(i),
                    None => {
                        keywords.push(k);
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let ac = (!keywords.is_empty()).then(|| {
            let builder = || {
                let mut b = AhoCorasickBuilder::new();
                b.ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .prefilter(false);
                b
            };
            // A DFA over hundreds of keywords is a few megabytes at most; should a user's
            // rule pack make it too big, the default (NFA) automaton does the same job.
            builder()
                .kind(Some(AhoCorasickKind::DFA))
                .build(&keywords)
                .or_else(|_| builder().build(&keywords))
                .expect("keywords are plain literals of bounded size and number")
        });
        Prefilter { ac, keyword_rules }
    }

    /// The windows of `data`, inside `regions` (sorted, disjoint ranges), where each of
    /// `candidates` (rule indices, all with keywords) must run its pattern.
    pub fn windows(
        &self,
        rules: &[Rule],
        data: &[u8],
        regions: &[(usize, usize)],
        candidates: &[usize],
    ) -> Windows {
        let mut per_rule: Vec<Vec<(usize, usize)>> = vec![Vec::new(); rules.len()];
        let Some(ac) = &self.ac else {
            return Windows { per_rule };
        };
        if candidates.is_empty() {
            return Windows { per_rule };
        }
        let mut wanted = vec![false; rules.len()];
        for &i in candidates {
            wanted[i] = true;
        }
        for &(region_start, region_end) in regions {
            let region = &data[region_start..region_end];
            for m in ac.find_overlapping_iter(region) {
                let (hit_start, hit_end) = (region_start + m.start(), region_start + m.end());
                for &r in &self.keyword_rules[m.pattern().as_usize()] {
                    if !wanted[r] {
                        continue;
                    }
                    let reach = rules[r].reach;
                    // Overlapping matches come in order of their end, so window starts never
                    // decrease and merging only needs to look at the last window. A window
                    // stays inside its region: what lies outside is not to be scanned.
                    let start = hit_end.saturating_sub(reach).max(region_start);
                    let end = hit_start
                        .saturating_add(reach)
                        .saturating_add(LOOKAROUND)
                        .min(region_end);
                    let w = &mut per_rule[r];
                    match w.last_mut() {
                        Some(last) if start <= last.1 => last.1 = last.1.max(end),
                        _ => w.push((start, end)),
                    }
                }
            }
        }
        Windows { per_rule }
    }
}

/// The matches of `re` inside `windows` of `data`, left to right, as `captures_iter` would
/// give them over the whole file for matches that lie inside a window. Look-behind
/// assertions at a window's start see the bytes before it.
pub fn captures_in<'r, 'h, 'w>(
    re: &'r regex::bytes::Regex,
    data: &'h [u8],
    windows: &'w [(usize, usize)],
) -> impl Iterator<Item = regex::bytes::Captures<'h>> + use<'r, 'h, 'w> {
    let mut at = 0;
    let mut wi = 0;
    // Where the last match given ended: like `captures_iter`, an empty match there is not
    // given (`a*` over `baab` is 0..0, 1..3, 4..4).
    let mut last_end = None;
    std::iter::from_fn(move || loop {
        let &(ws, we) = windows.get(wi)?;
        let from = at.max(ws);
        if from > we {
            wi += 1;
            continue;
        }
        match re.captures_at(&data[..we], from) {
            Some(caps) => {
                let m = caps.get(0)?;
                at = if m.is_empty() { m.end() + 1 } else { m.end() };
                if m.is_empty() && last_end == Some(m.start()) {
                    continue;
                }
                last_end = Some(m.end());
                return Some(caps);
            }
            None => wi += 1,
        }
    })
}

/// How far from a keyword a match of `pattern` can reach: its longest possible match, or
/// `max` when it has none below that (`\s*`, `+`). A match longer than `max` around a
/// keyword is not found, so unbounded patterns get a generous `max`.
pub fn reach(pattern: &str, max: usize) -> usize {
    regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()
        .and_then(|hir| hir.properties().maximum_len())
        .map_or(max, |n| n.min(max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::bytes::Regex;

    #[test]
    fn reach_is_the_longest_match() {
        assert_eq!(reach("ghp_[A-Za-z0-9]{36}", 1 << 16), 40);
        assert_eq!(reach("token[ \\t]{0,4}=", 1 << 16), 10);
        // Case-insensitive `k` also matches the Kelvin sign, three bytes in UTF-8.
        assert_eq!(reach("(?i)k", 1 << 16), 3);
        assert_eq!(reach("key\\s*=", 1 << 16), 1 << 16);
        assert_eq!(reach("(?-u:\\b)x(?-u:\\xFF)", 1 << 16), 2);
    }

    #[test]
    fn windows_keep_look_behind_context() {
        let re = Regex::new(r"(?-u:\b)AKIA[0-9A-Z]{4}").unwrap();
        let data = b"xAKIA1234 AKIA5678";
        // A window starting inside `xAKIA…` must not turn it into a match.
        let found: Vec<_> = captures_in(&re, data, &[(1, data.len())])
            .map(|c| c.get(0).unwrap().start())
            .collect();
        assert_eq!(found, vec![10]);
    }

    #[test]
    fn keyword_hits_become_merged_windows_inside_their_region() {
        use crate::rules::{load::add_from_source, RuleSet};
        let mut set = RuleSet::default();
        let yaml = "rules:\n  - id: a\n    message: m\n    severity: info\n    pattern: 'k_[a-z]{4}'\n    keywords: [k_]\n";
        add_from_source(&mut set, &crate::source::Source::new("r.yaml", yaml)).unwrap();
        let reach = set.rules[0].reach;
        assert_eq!(reach, 6);
        let mut data = vec![b'.'; 100];
        for at in [20, 24, 70, 96] {
            data[at..at + 2].copy_from_slice(b"k_");
        }
        let pre = Prefilter::new(&set.rules);
        let w = pre.windows(&set.rules, &data, &[(10, 95)], &[0]);
        // A hit at s..s+2 opens s+2-reach .. s+reach+LOOKAROUND; 20 and 24 overlap and
        // merge, 70 stands alone, 96 is outside the region.
        assert_eq!(
            w.of(0),
            [
                (22 - reach, 24 + reach + LOOKAROUND),
                (72 - reach, 70 + reach + LOOKAROUND)
            ]
        );
        // Clipped to the region's start and end.
        let w = pre.windows(&set.rules, &data, &[(18, 30)], &[0]);
        assert_eq!(w.of(0), [(18, 30)]);
        // Not asked about: no windows.
        assert!(pre
            .windows(&set.rules, &data, &[(0, 100)], &[])
            .of(0)
            .is_empty());
    }

    #[test]
    fn one_window_over_everything_gives_what_captures_iter_gives() {
        // Empty matches included: at the start, between two matches, after a non-empty
        // one (skipped, as captures_iter skips it) and at the very end of the window.
        for (pattern, text) in [
            ("a*", "baab"),
            ("a*", "aaba"),
            ("", "abc"),
            ("a|", "aab"),
            ("x?", "axxb"),
            ("(?m)^", "a\nb\n"),
            (r"\b", "ab cd"),
            (r"k=\d*", "k=1k=k=22"),
        ] {
            let re = Regex::new(pattern).unwrap();
            let data = text.as_bytes();
            let spans = |it: &mut dyn Iterator<Item = regex::bytes::Captures<'_>>| {
                it.map(|c| c.get(0).unwrap().range()).collect::<Vec<_>>()
            };
            let want = spans(&mut re.captures_iter(data));
            let got = spans(&mut captures_in(&re, data, &[(0, data.len())]));
            assert_eq!(got, want, "{pattern:?} over {text:?}");
        }
        let re = Regex::new("a*").unwrap();
        let got: Vec<_> = captures_in(&re, b"baab", &[(0, 4)])
            .map(|c| c.get(0).unwrap().range())
            .collect();
        assert_eq!(got, [0..0, 1..3, 4..4]);
    }

    #[test]
    fn windows_find_each_match_once() {
        let re = Regex::new(r"k=\d+").unwrap();
        let data = b"k=1 k=22 k=333";
        let all: Vec<_> = captures_in(&re, data, &[(0, 8), (4, 14)])
            .map(|c| c.get(0).unwrap().as_bytes().to_vec())
            .collect();
        assert_eq!(
            all,
            vec![b"k=1".to_vec(), b"k=22".to_vec(), b"k=333".to_vec()]
        );
    }
}
