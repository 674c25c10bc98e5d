//! JavaScript's conversions of JSON values to text, where npm's own code applies them: a
//! manifest field in a template literal behind a truthiness test (npm-packlist's
//! `if (main) strict.push(`!/${main}`)`), and `String(n)` for brace sequences. Pure
//! functions, held to Node by a differential test; no I/O.

use serde_json::Value;

/// `String(n)`: Number.prototype.toString(10), shortest round-trip digits placed as
/// ECMAScript's Number::toString places them (`1e+21`, `1e-7`, `0.000001`, `1`).
pub fn number_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n == 0.0 {
        return "0".into(); // -0 too
    }
    if n < 0.0 {
        return format!("-{}", number_string(-n));
    }
    if n.is_infinite() {
        return "Infinity".into();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as ECMAScript asks.
    let sci = format!("{n:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    // ECMAScript's n: the decimal point sits after the n-th digit.
    let point = exp.parse::<i64>().unwrap_or(0) + 1;
    let zeros = |count: i64| "0".repeat(count.max(0) as usize);
    if k <= point && point <= 21 {
        format!("{digits}{}", zeros(point - k))
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", zeros(-point))
    } else {
        let sign = if point > 0 { '+' } else { '-' };
        let e = (point - 1).abs();
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{sign}{e}")
        } else {
            format!("{first}.{rest}e{sign}{e}")
        }
    }
}

/// `${v}`: an array joins its elements' texts with `,` (`null` as nothing), an object is
/// `[object Object]`.
pub fn template(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(|e| match e {
                Value::Null => String::new(),
                e => template(e),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// `if (v)` then `${v}`: `None` for JavaScript's falsy values (`null`, `false`, `0`, `""`).
pub fn truthy_template(v: &Value) -> Option<String> {
    let falsy = match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64().is_none_or(|f| f == 0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(_) | Value::Object(_) => false,
    };
    (!falsy).then(|| template(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Each conversion against Node on the same values.
    #[test]
    fn conversions_match_node() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let numbers = [
            1.0,
            1.5,
            0.1,
            100.0,
            1e20,
            1e21,
            1.5e21,
            123456789012345680000.0,
            1e-6,
            1e-7,
            1.25e-7,
            0.000123,
            2.5e-6,
            -3.0,
            -0.5,
            -1e-9,
            5e-324,
            1.7976931348623157e308,
            4294967296.5,
            0.0,
            -0.0,
        ];
        let values = json!([
            null, true, false, 0, -0.0, 1, 1.0, 2.5, 1e21, "", "a.js", [], [null], ["a", "b"],
            [null, "a.js"], [[1, [2, null]], true, {}], {}, {"a": 1}, [[]], -0.000001
        ]);
        let script = r#"
            const { numbers, values } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
            console.log(JSON.stringify({
              numbers: numbers.map(n => String(n)),
              values: values.map(v => v ? `${v}` : null),
            }));"#;
        let mut child = Command::new("node")
            .args(["-e", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs (it is needed to test against JavaScript)");
        let input = json!({ "numbers": numbers, "values": values });
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.to_string().as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("node output");
        assert!(out.status.success(), "node failed");
        let node: Value = serde_json::from_slice(&out.stdout).expect("node json");
        let mut wrong = Vec::new();
        for (n, want) in numbers
            .iter()
            .zip(node["numbers"].as_array().expect("list"))
        {
            let ours = number_string(*n);
            if want.as_str() != Some(ours.as_str()) {
                wrong.push(format!("String({n:e}): node {want}, ours {ours:?}"));
            }
        }
        let values = values.as_array().expect("list");
        for (v, want) in values.iter().zip(node["values"].as_array().expect("list")) {
            let ours = truthy_template(v);
            if want.as_str() != ours.as_deref() {
                wrong.push(format!("`${{{v}}}`: node {want}, ours {ours:?}"));
            }
        }
        assert_eq!(node["values"].as_array().map(Vec::len), Some(values.len()));
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
