//! `packguard lock`'s use case: the files a package would publish, read with an empty rule
//! set, as the lock records them. The lock's format lives in `crate::lock`, its check in
//! `crate::checks::lock`.

/// The files `input` would publish, as `(path from the package root, size)`, sorted: what
/// `packguard lock` records.
pub fn package_files(
    input: &crate::Input,
    options: &crate::Options,
) -> Result<Vec<(String, u64)>, crate::Error> {
    // An empty rule set: the listing reads the files and sizes and scans nothing.
    let listing = super::listing::list(
        input,
        &crate::RuleSet::default(),
        &crate::Config::default(),
        options,
    )?;
    let mut files: Vec<(String, u64)> = listing
        .files
        .into_iter()
        .map(|f| {
            let rel = f.path.split_once('/').map_or(f.path.as_str(), |(_, r)| r);
            (rel.to_string(), f.size)
        })
        .collect();
    files.sort();
    Ok(files)
}
