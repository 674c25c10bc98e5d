//! What `--expect-repo` accepts: a GitHub `owner/name`, nothing else.
//!
//! The repository a release must come from is compared with `repository` in package.json;
//! a value that is not a repository name (`not a repo`, empty, a URL) would make every
//! package a mismatch, which is a mistake in the command, not in the package: exit 2.

/// Whether `s` is a GitHub `owner/name`: an owner of letters, digits and single hyphens
/// (at most 39, not at either end), a name of letters, digits, `.`, `_`, `-` (not `.` or
/// `..`).
pub fn is_owner_name(s: &str) -> bool {
    let Some((owner, name)) = s.split_once('/') else {
        return false;
    };
    let owner_ok = (1..=39).contains(&owner.len())
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && !owner.contains("--");
    let name_ok = (1..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name != "."
        && name != "..";
    owner_ok && name_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_name_only() {
        for ok in ["acme/widget", "a-b/c.d_e", "x/y"] {
            assert!(is_owner_name(ok), "{ok}");
        }
        for bad in [
            "",
            "not a repo",
            "acme",
            "https://github.com/acme/widget",
            "acme/widget/extra",
            "-a/b",
            "a/..",
            "github.com/acme/widget",
        ] {
            assert!(!is_owner_name(bad), "{bad}");
        }
    }
}
