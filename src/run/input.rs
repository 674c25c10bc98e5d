//! What a run reads (`Input`) and everything that ends it with exit code 2 (`Error`).

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

use crate::artifact::pack::PackError;
use crate::artifact::ArtifactError;
use crate::baseline::BaselineError;
use crate::source::SpannedError;

/// What to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A tarball on standard input (`-`).
    Stdin,
    /// A `.tgz`/`.tar` file or a package directory.
    Path(PathBuf),
}

impl Input {
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    /// How the input is named in reports and errors.
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// Everything that ends a run with exit code 2.
#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Artifact(#[from] ArtifactError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] Box<SpannedError>),
    #[error(transparent)]
    #[diagnostic(transparent)]
    AmbiguousConfig(#[from] crate::config::Ambiguous),
    #[error("cannot read workflows from {path}: {source}")]
    #[diagnostic(
        code(packguard::input::workflows),
        help("give the folder of your workflows (default .github/workflows) or one workflow file")
    )]
    Workflows {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no workflow files (.yml or .yaml) in {path}")]
    #[diagnostic(
        code(packguard::input::no_workflows),
        help("give the repository's root, its .github/workflows folder, or one workflow file")
    )]
    NoWorkflows { path: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Pack(#[from] PackError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Baseline(#[from] BaselineError),
    #[error(
        "{path} declares no workspaces (no `workspaces` in package.json, no pnpm-workspace.yaml)"
    )]
    #[diagnostic(
        code(packguard::input::no_workspaces),
        help("run --workspaces from the monorepo's root folder, or scan the package folder without it")
    )]
    NoWorkspaces { path: String },
    #[error("--paths lists a package folder, and {path} is not one")]
    #[diagnostic(
        code(packguard::input::paths_need_directory),
        help("for a tarball, `packguard ls` without --paths lists its files with sizes")
    )]
    PathsNeedDirectory { path: String },
    #[error("both releases to compare are `-`; only one can be read from standard input")]
    #[diagnostic(
        code(packguard::input::both_stdin),
        help("give the previous release as a .tgz file or a package folder")
    )]
    BothStdin,
    #[error("cannot read the previous release {path}")]
    #[diagnostic(
        code(packguard::input::previous),
        help("give the tarball of the last published version (`npm pack NAME@latest` writes it) or its package folder")
    )]
    Previous {
        path: String,
        #[source]
        source: Box<Error>,
    },
    #[error("--workspaces needs a directory, and {path} is not one")]
    #[diagnostic(code(packguard::input::workspaces_need_directory))]
    WorkspacesNeedDirectory { path: String },
    #[error("with --workspaces, --previous is a folder of previous releases, and {path} is not a folder")]
    #[diagnostic(
        code(packguard::input::previous_releases),
        help("fetch each package's last release into one folder: `npm pack NAME@latest --pack-destination DIR`, then `--previous DIR`")
    )]
    PreviousReleasesNeedDirectory { path: String },
    #[error("{dir} holds more than one release of {name}: {found}")]
    #[diagnostic(
        code(packguard::input::previous_releases),
        help("keep only the last published release of each package in the folder")
    )]
    SeveralPreviousReleases {
        dir: String,
        name: String,
        found: String,
    },
    #[error("with --workspaces, --previous is a folder of previous releases, not `-`")]
    #[diagnostic(help(
        "fetch each package's last release into one folder (`npm pack NAME@latest --pack-destination DIR`), then `--previous DIR`"
    ))]
    PreviousReleasesFromStdin,
    #[error("--workspaces needs the workspace's root folder, not `-`")]
    WorkspacesFromStdin,
    #[error("--previous compares with one package, and {given} were given")]
    #[diagnostic(help(
        "compare one release at a time: `packguard scan --previous OLD.tgz NEW.tgz`"
    ))]
    PreviousWithSeveral { given: usize },
    #[error("--new-only needs a previous release to compare with")]
    #[diagnostic(help(
        "add --previous OLD.tgz (the last published release), or use `packguard diff`"
    ))]
    NewOnlyWithoutPrevious,
    #[error("no lock to check {input}: {path} does not exist")]
    #[diagnostic(help("write one with `packguard lock`, or name it with --lock FILE"))]
    NoLockToCheck { input: String, path: String },
    // Not a `#[source]`: the cause is part of the one-line message, as it always was.
    #[error("could not write the lock {path}: {error}")]
    #[diagnostic(help("check that the folder exists and is writable"))]
    LockUnwritable { path: String, error: std::io::Error },
}

impl From<SpannedError> for Error {
    fn from(e: SpannedError) -> Self {
        Error::Config(Box::new(e))
    }
}
