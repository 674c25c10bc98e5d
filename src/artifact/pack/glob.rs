//! npm's glob dialect: a port of the parts of `minimatch` that npm-packlist and ignore-walk
//! use, with the options they pass (`dot`, `nocase`, `flipNegate`, and `matchBase` for
//! ignore files).
//!
//! Why not globset or the `ignore` crate: npm does not implement gitignore semantics. It
//! matches every rule against `/entry`, `entry`, and (for folders) `entry/` and partial
//! paths, and a basename-only rule may match anywhere. Differences that look minor
//! (`*` never matching an empty segment, `**` never matching `.` or `..`, case-insensitive
//! matching, `{a,b}` braces) change which files are published, so the matcher follows
//! minimatch's own algorithm, once [`super::brace`] has expanded the braces.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

/// One path segment of a pattern.
#[derive(Clone, Debug)]
enum Part {
    /// Compared case-insensitively; `""` only matches an empty segment (a trailing `/`).
    Literal(String),
    /// A segment with magic (`*`, `?`, `[...]`, extglobs). Never matches `.` or `..`.
    Magic {
        re: Matcher,
        /// Only stars: must not match an empty segment.
        non_empty: bool,
    },
    /// `**`: zero or more segments, none of them `.` or `..`.
    Globstar,
    /// `*<tail>` (the tail without magic): minimatch's fast test, a segment whose JavaScript
    /// `toLowerCase` ends with the tail's. Held lowercased.
    StarTail(String),
    /// `?…?<tail>`: a segment of exactly `units` UTF-16 units, not `.` or `..`, whose
    /// lowercase ends with the tail's (minimatch's other fast test).
    Qmarks { units: usize, tail: String },
}

/// Most segments compile with the regex crate; only `!(..)` needs a lookahead.
#[derive(Clone, Debug)]
enum Matcher {
    Plain(Regex),
    Fancy(fancy_regex::Regex),
}

impl Matcher {
    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Plain(re) => re.is_match(s),
            // A backtracking limit hit counts as no match (minimatch would be as stuck).
            Matcher::Fancy(re) => re.is_match(s).unwrap_or(false),
        }
    }
}

impl Part {
    fn matches(&self, segment: &str) -> bool {
        match self {
            Part::Literal(lit) => lit.chars().map(js_fold).eq(segment.chars().map(js_fold)),
            Part::Magic { re, non_empty } => {
                segment != "."
                    && segment != ".."
                    && !(*non_empty && segment.is_empty())
                    && re.is_match(segment)
            }
            Part::Globstar => false,
            Part::StarTail(tail) => segment.to_lowercase().ends_with(tail.as_str()),
            Part::Qmarks { units, tail } => {
                segment.encode_utf16().count() == *units
                    && segment != "."
                    && segment != ".."
                    && segment.to_lowercase().ends_with(tail.as_str())
            }
        }
    }
}

/// A compiled minimatch pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The pattern as written (for messages).
    pub source: String,
    /// Started with an odd number of `!`.
    pub negate: bool,
    comment: bool,
    empty: bool,
    /// After brace expansion and splitting on `/`, before compiling: ignore-walk inspects
    /// these to decide whether a rule is "relative" (one segment, or one plus a trailing `/`).
    pub glob_parts: Vec<Vec<String>>,
    set: Vec<Vec<Part>>,
    match_base: bool,
}

impl Pattern {
    /// Compiles `pattern`. `match_base`: a pattern without `/` matches the basename of a
    /// path, as ignore-walk asks for.
    pub fn new(pattern: &str, match_base: bool) -> Pattern {
        let mut p = Pattern {
            source: pattern.to_string(),
            negate: false,
            comment: false,
            empty: false,
            glob_parts: Vec::new(),
            set: Vec::new(),
            match_base,
        };
        if pattern.starts_with('#') {
            p.comment = true;
            return p;
        }
        if pattern.is_empty() {
            p.empty = true;
            return p;
        }
        let bangs = pattern.chars().take_while(|c| *c == '!').count();
        p.negate = bangs % 2 == 1;
        let body = &pattern[bangs..];
        let mut expanded = super::brace::brace_expand(body);
        let mut seen = std::collections::HashSet::new();
        expanded.retain(|s| seen.insert(s.clone()));
        p.glob_parts = expanded
            .iter()
            .map(|s| level_one_optimize(slash_split(s)))
            .collect();
        p.set = p
            .glob_parts
            .iter()
            .map(|parts| parts.iter().map(|s| compile_part(s)).collect())
            .collect();
        p
    }

    /// minimatch's `match(path, partial)` with `flipNegate`: true when the pattern's body
    /// matches, whatever its negation. `partial`: the path may be a prefix of a match (a
    /// folder that could contain matching files).
    pub fn matches(&self, path: &str, partial: bool) -> bool {
        if self.comment {
            return false;
        }
        if self.empty {
            return path.is_empty();
        }
        if path == "/" && partial {
            return true;
        }
        let ff = slash_split(path);
        let filename = ff
            .iter()
            .rev()
            .find(|s| !s.is_empty())
            .cloned()
            .unwrap_or_default();
        let base = [filename];
        self.set.iter().any(|pattern| {
            let file: &[String] = if self.match_base && pattern.len() == 1 {
                &base
            } else {
                &ff
            };
            match_one(file, pattern, partial)
        })
    }
}

/// Any run of `/` separates segments; a leading or trailing `/` gives an empty segment.
fn slash_split(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut last_slash = false;
    for c in s.chars() {
        if c == '/' {
            if !last_slash {
                out.push(std::mem::take(&mut cur));
            }
            last_slash = true;
        } else {
            cur.push(c);
            last_slash = false;
        }
    }
    out.push(cur);
    out
}

/// minimatch's default optimisation: adjacent `**` collapse and `x/..` cancels out.
fn level_one_optimize(parts: Vec<String>) -> Vec<String> {
    let mut set: Vec<String> = Vec::new();
    for part in parts {
        let prev = set.last().map(String::as_str);
        if part == "**" && prev == Some("**") {
            continue;
        }
        if part == ".." {
            if let Some(p) = prev {
                if p != ".." && p != "." && p != "**" {
                    set.pop();
                    continue;
                }
            }
        }
        set.push(part);
    }
    if set.is_empty() {
        vec![String::new()]
    } else {
        set
    }
}

fn match_one(file: &[String], pattern: &[Part], partial: bool) -> bool {
    let (mut fi, mut pi) = (0, 0);
    while fi < file.len() && pi < pattern.len() {
        if let Part::Globstar = pattern[pi] {
            if pi + 1 == pattern.len() {
                // A trailing `**` swallows the rest, but never `.` or `..`.
                return file[fi..].iter().all(|f| f != "." && f != "..");
            }
            let mut fr = fi;
            while fr < file.len() {
                if match_one(&file[fr..], &pattern[pi + 1..], partial) {
                    return true;
                }
                if file[fr] == "." || file[fr] == ".." {
                    break;
                }
                fr += 1;
            }
            return partial && fr == file.len();
        }
        if !pattern[pi].matches(&file[fi]) {
            return false;
        }
        fi += 1;
        pi += 1;
    }
    if fi == file.len() && pi == pattern.len() {
        true
    } else if fi == file.len() {
        partial
    } else {
        // Out of pattern: only a trailing `/` (an empty last segment) may remain.
        fi == file.len() - 1 && file[fi].is_empty()
    }
}

/// A character as JavaScript's regex `i` flag without `u` compares it (ECMAScript's
/// Canonicalize), which minimatch's `nocase` uses: `toUpperCase`, unless that is not one UTF-16
/// unit or would turn a non-ASCII character into an ASCII one. So `ä` matches `Ä`, but the
/// Kelvin sign does not match `k` and `ſ` does not match `s` (Unicode case folding says both
/// do); characters outside the BMP are compared as they are.
fn js_fold(c: char) -> char {
    if c.len_utf16() != 1 {
        return c;
    }
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) if u.len_utf16() == 1 && (c.is_ascii() || !u.is_ascii()) => u,
        _ => c,
    }
}

/// The BMP characters JavaScript's `i` flag takes as one, by their [`js_fold`].
fn same_fold() -> &'static HashMap<char, Vec<char>> {
    static SAME: OnceLock<HashMap<char, Vec<char>>> = OnceLock::new();
    SAME.get_or_init(|| {
        let mut m: HashMap<char, Vec<char>> = HashMap::new();
        for d in (0..=0xffffu32).filter_map(char::from_u32) {
            m.entry(js_fold(d)).or_default().push(d);
        }
        m
    })
}

/// A regex matching `c` and every character JavaScript's `i` flag takes for it ([`js_fold`]).
fn fold_class(c: char) -> String {
    match same_fold().get(&js_fold(c)) {
        Some(all) if all.len() > 1 => {
            let members: String = all.iter().map(|d| regex::escape(&d.to_string())).collect();
            format!("[{members}]")
        }
        _ => regex::escape(&c.to_string()),
    }
}

/// One segment to a matcher, as minimatch's AST does it: `*`, `?`, `[...]` classes and the
/// extglobs `@(a|b)`, `?(..)`, `*(..)`, `+(..)` and `!(..)`.
fn compile_part(s: &str) -> Part {
    if s == "**" {
        return Part::Globstar;
    }
    // minimatch's fast tests (`starDotExtRE`, `qmarksRE`) stand in for the regex on these
    // shapes, and they compare with `toLowerCase`, which takes the Kelvin sign for `k`
    // where the regex `i` flag does not. Only stars (`*`) stay a regex.
    let plain = |t: &str| !t.contains(['+', '@', '!', '?', '*', '[', '(']);
    let stars = s.trim_start_matches('*');
    if stars.len() < s.len() && !stars.is_empty() && plain(stars) {
        return Part::StarTail(stars.to_lowercase());
    }
    let qmarks = s.trim_start_matches('?');
    if qmarks.len() < s.len() && plain(qmarks) {
        return Part::Qmarks {
            units: s.encode_utf16().count(),
            tail: qmarks.to_lowercase(),
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let t = translate(&chars);
    // minimatch keeps a pattern without magic as a string, unless `nocase` has to make it a
    // regex (its text has case); only then does an escaped `|` split it.
    let has_case = t.literal.to_uppercase() != t.literal.to_lowercase();
    let as_regex = t.magic || t.bare_bar && has_case;
    if !as_regex {
        return Part::Literal(t.literal);
    }
    // No `i` flag: literal characters are classes of what JavaScript folds together. No
    // group around the body either: minimatch has none (see `bare_bar`).
    let source = format!("(?s)^{}$", t.re);
    let re = if t.negation {
        fancy_regex::Regex::new(&source).map(Matcher::Fancy).ok()
    } else {
        Regex::new(&source).map(Matcher::Plain).ok()
    };
    match re {
        Some(re) => Part::Magic {
            re,
            non_empty: t.only_stars,
        },
        // A pattern the regex engine refuses: minimatch would also fail to compile it and
        // the pattern then matches nothing; a literal that cannot occur does the same.
        None => Part::Literal("\u{0}".to_string()),
    }
}

/// A segment's regex (unanchored), and what it contains.
struct Translated {
    re: String,
    literal: String,
    magic: bool,
    only_stars: bool,
    /// Has a `!(..)`, which needs a lookahead.
    negation: bool,
    /// Has an escaped `|` outside a group. minimatch copies it into its regex unescaped (its
    /// escape set lacks `|`), so there it splits the whole regex, anchors included: `a\|b`
    /// is `/^a|b$/`, any name starting with `a` or ending with `b`.
    bare_bar: bool,
}

fn translate(chars: &[char]) -> Translated {
    let mut t = Translated {
        re: String::new(),
        literal: String::new(),
        magic: false,
        only_stars: true,
        negation: false,
        bare_bar: false,
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '!' | '?' | '+' | '*' | '@') && chars.get(i + 1) == Some(&'(') {
            if let Some(close) = closing_paren(chars, i + 1) {
                let alts: Vec<Translated> = split_alternatives(&chars[i + 2..close])
                    .iter()
                    .map(|a| translate(a))
                    .collect();
                let rest = translate(&chars[close + 1..]);
                t.magic = true;
                t.only_stars = false;
                t.negation |= c == '!' || rest.negation || alts.iter().any(|a| a.negation);
                // (`rest.bare_bar` needs no copy: a group already makes the pattern a regex.)
                let body = |with_rest: bool| {
                    alts.iter()
                        .map(|a| {
                            if with_rest {
                                format!("{}{}", a.re, rest.re)
                            } else {
                                a.re.clone()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("|")
                };
                match c {
                    // minimatch: `(?:(?!(?:alt REST)$)[^/]*?)` then REST, so the negated
                    // part is "anything that does not make the whole rest match".
                    '!' => t.re.push_str(&format!("(?:(?!(?:{})$)[^/]*?)", body(true))),
                    '@' => t.re.push_str(&format!("(?:{})", body(false))),
                    '?' => t.re.push_str(&format!("(?:{})?", body(false))),
                    '*' => t.re.push_str(&format!("(?:{})*", body(false))),
                    _ => t.re.push_str(&format!("(?:{})+", body(false))),
                }
                t.re.push_str(&rest.re);
                return t;
            }
        }
        match c {
            '\\' if i + 1 < chars.len() => {
                if chars[i + 1] == '|' {
                    t.re.push('|');
                    t.bare_bar = true;
                } else {
                    t.re.push_str(&fold_class(chars[i + 1]));
                }
                t.literal.push(chars[i + 1]);
                t.only_stars = false;
                i += 2;
                continue;
            }
            '*' => {
                t.magic = true;
                if !t.re.ends_with("[^/]*?") {
                    t.re.push_str("[^/]*?");
                }
            }
            '?' => {
                t.magic = true;
                t.only_stars = false;
                t.re.push_str("[^/]");
            }
            '[' => {
                t.only_stars = false;
                if let Some((class, next)) = char_class(chars, i) {
                    t.magic = true;
                    t.re.push_str(&class);
                    i = next;
                    continue;
                }
                t.re.push_str(r"\[");
                t.literal.push('[');
            }
            _ => {
                t.only_stars = false;
                t.re.push_str(&fold_class(c));
                t.literal.push(c);
            }
        }
        i += 1;
    }
    t
}

/// The `)` closing the `(` at `open`, skipping escapes and nested parentheses.
fn closing_paren(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `a|b(c|d)` -> `a`, `b(c|d)`: splits on top-level `|`.
fn split_alternatives(chars: &[char]) -> Vec<&[char]> {
    let mut out = Vec::new();
    let (mut depth, mut from, mut i) = (0, 0, 0);
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => {
                out.push(&chars[from..i]);
                from = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&chars[from..]);
    out
}

/// A `[...]` class at `start` to a regex class that matches as minimatch's `nocase` regex
/// does, and the index after it; `None` when it is not closed. JavaScript's `i` flag without
/// `u` takes a character as in the class when its [`js_fold`] is that of a member, so the
/// members' fold classes are listed out (`[k]` does not take the Kelvin sign, as the regex
/// crate's Unicode folding would). A class with a POSIX name (`[[:alpha:]]`) is left to the
/// regex crate's `(?i)`: minimatch gives that regex the `u` flag, which folds as Unicode does.
fn char_class(chars: &[char], start: usize) -> Option<(String, usize)> {
    let mut i = start + 1;
    let negate = i < chars.len() && (chars[i] == '!' || chars[i] == '^');
    if negate {
        i += 1;
    }
    let first = i;
    // As written (for the POSIX case), and as inclusive ranges of members.
    let mut raw = String::from(if negate { "[^" } else { "[" });
    let mut ranges: Vec<(char, char)> = Vec::new();
    let mut posix = false;
    // After `x-`, and after a whole range (where a `-` is a member, as in JavaScript).
    let mut dash = false;
    let mut after_range = false;
    while i < chars.len() {
        let c = chars[i];
        if c == ']' && i > first {
            raw.push(']');
            let backwards = ranges.iter().any(|(lo, hi)| lo > hi);
            if posix || backwards {
                // A backwards range stays as written: the regex crate refuses it, as
                // JavaScript does.
                return Some((format!("(?i:{raw})"), i + 1));
            }
            return Some((folded_class(&ranges, negate), i + 1));
        }
        let (member, step) = if c == '\\' && i + 1 < chars.len() {
            (chars[i + 1], 2)
        } else {
            (c, 1)
        };
        let operator = i + 1 < chars.len() && chars[i + 1] != ']';
        if c == '-' && operator && !dash && !after_range && !ranges.is_empty() {
            raw.push('-');
            dash = true;
            i += 1;
            continue;
        }
        if c == '[' && chars.get(i + 1) == Some(&':') {
            // POSIX class such as [:alpha:]: copied through, the regex crate knows them.
            let end = chars[i..].iter().position(|x| *x == ']')? + i;
            raw.extend(&chars[i..=end]);
            posix = true;
            dash = false;
            after_range = false;
            i = end + 1;
            continue;
        }
        raw.push_str(&regex::escape(&member.to_string()));
        match ranges.last_mut() {
            Some(last) if dash => last.1 = member,
            _ => ranges.push((member, member)),
        }
        after_range = dash;
        dash = false;
        i += step;
    }
    None
}

/// A regex class of every character whose [`js_fold`] is that of a character in `ranges`
/// (characters outside the BMP fold to themselves), negated when `negate`.
fn folded_class(ranges: &[(char, char)], negate: bool) -> String {
    let mut members: Vec<char> = Vec::new();
    let mut canon = std::collections::HashSet::new();
    for &(lo, hi) in ranges {
        for c in lo..=hi {
            if c.len_utf16() == 1 {
                canon.insert(js_fold(c));
            } else {
                members.push(c);
            }
        }
    }
    let same = same_fold();
    for c in canon {
        members.extend(same.get(&c).map_or(&[c][..], |v| &v[..]));
    }
    members.sort_unstable();
    members.dedup();
    let mut out = String::from(if negate { "[^" } else { "[" });
    let mut k = 0;
    while k < members.len() {
        let mut j = k;
        while j + 1 < members.len() && members[j + 1] as u32 == members[j] as u32 + 1 {
            j += 1;
        }
        out.push_str(&regex::escape(&members[k].to_string()));
        if j > k {
            out.push('-');
            out.push_str(&regex::escape(&members[j].to_string()));
        }
        k = j + 1;
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, path: &str) -> bool {
        Pattern::new(p, true).matches(path, false)
    }

    #[test]
    fn basics_follow_minimatch() {
        assert!(m("*.js", "a/b.js"));
        assert!(
            m("*.js", ".js"),
            "dot: true, and * may be empty inside a segment"
        );
        assert!(!m("*", ""), "a lone star needs a character");
        assert!(m("/lib", "/lib"));
        assert!(!m("/lib", "lib"));
        assert!(m("lib/**", "lib/a/b.js"));
        assert!(!m("lib/**", "lib"));
        assert!(m("README.MD", "readme.md"), "nocase");
        assert!(m("lib", "lib/"), "a trailing slash on the path is allowed");
        assert!(!m("lib/", "lib"));
        assert!(Pattern::new("lib/", true).matches("lib", true));
        assert!(Pattern::new("!/readme{,.*[^~$]}", true).matches("/README.md", false));
        assert!(!Pattern::new("!/readme{,.*[^~$]}", true).matches("/README.md~", false));
        assert!(Pattern::new("!/readme{,.*[^~$]}", true).negate);
        assert!(m("**/.git", "/a/.git"));
        assert!(!m("a/**/b", "a/../b"));
    }

    #[test]
    fn extglobs() {
        let p = |s: &str, path: &str| Pattern::new(s, false).matches(path, false);
        assert!(p("dist/**/!(*.tsbuildinfo)", "dist/cjs/index.js"));
        assert!(!p("dist/**/!(*.tsbuildinfo)", "dist/cjs/x.tsbuildinfo"));
        assert!(p("@(a|b).js", "b.js"));
        assert!(!p("@(a|b).js", "c.js"));
        assert!(p("+(a|b).js", "abba.js"));
        assert!(p("a!(b)c", "axc"));
        assert!(!p("a!(b)c", "abc"));
    }
}
