//! The renderer on its own: what the SVG document says, that the PNG is a real picture, that
//! empty and awkward data draw, and how values read.

use super::*;

fn series(name: &str, values: &[i64]) -> Series {
    Series { name: name.into(), values: values.to_vec(), colour: None }
}

fn chart(kind: ChartKind, unit: Unit, categories: &[&str], series: Vec<Series>) -> Chart {
    Chart {
        title: "Weighted pipeline — Service contracts".into(),
        kind,
        unit,
        category_axis: "Expected close month".into(),
        value_axis: "Weighted value".into(),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        series,
        empty_text: "No leads yet".into(),
    }
}

fn pipeline() -> Chart {
    chart(
        ChartKind::StackedBars,
        Unit::Cents,
        &["Mar 2026", "Apr 2026", "No date"],
        vec![series("Pending qualification", &[12_500_000, 0, 300_000]), series("Development", &[5_000_000, 8_000_000, 0]), series("Quoting", &[0, 125_000_000, 0])],
    )
}

/// The texts of the document's `<text>` elements, in drawing order.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text").skip(1).filter_map(|element| element.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")).map(|(text, _)| text.trim().to_owned())).collect()
}

#[test]
fn an_svg_says_its_title_axes_legend_and_money() {
    let svg = render_svg(&pipeline()).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains(r#"viewBox="0 0 800 450""#), "scales to its box");
    let texts = texts(&svg);
    for expected in [
        "Weighted pipeline — Service contracts",
        "Expected close month",
        "Weighted value",
        "Pending qualification",
        "Development",
        "Quoting",
        "Mar 2026",
        "No date",
        // The value axis in whole dollars with thousands separators, and the totals on top.
        "$0",
        "$500,000",
        "$1,500,000",
        "$175,000",
        "$1,330,000",
        "$3,000",
    ] {
        assert!(texts.iter().any(|t| t == expected), "{expected:?} missing from {texts:?}");
    }
}

#[test]
fn text_in_the_svg_is_escaped() {
    let mut chart = pipeline();
    chart.title = "Leads by state — R&D <new>".into();
    let svg = render_svg(&chart).unwrap();
    assert!(svg.contains("R&amp;D &lt;new&gt;"), "{svg}");
}

#[test]
fn a_png_is_a_real_picture_at_twice_the_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pipeline.png");
    render_png(&pipeline(), &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // The IHDR chunk comes first: width and height, big-endian, after its length and type.
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1600, 900));
    assert!(bytes.len() > 10_000, "a drawn chart, not a blank image: {} bytes", bytes.len());
    let left_behind: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left_behind, [std::ffi::OsString::from("pipeline.png")], "no temporary file left");
}

#[test]
fn a_png_whatever_the_file_is_called_and_an_unwritable_folder_is_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chart.picture");
    render_png(&pipeline(), &path).unwrap();
    assert_eq!(&std::fs::read(&path).unwrap()[..4], b"\x89PNG");

    let error = render_png(&pipeline(), &dir.path().join("no such folder/chart.png")).unwrap_err();
    assert!(error.to_string().starts_with("Could not save the chart as "), "{error}");
}

#[test]
fn empty_data_draws_a_sentence_instead_of_axes() {
    let no_categories = chart(ChartKind::Line, Unit::Percent, &[], vec![series("Win rate", &[])]);
    let all_zero = chart(ChartKind::Bars, Unit::Count, &["Pending", "Quoting"], vec![series("Leads", &[0, 0])]);
    let no_series = chart(ChartKind::StackedBars, Unit::Cents, &["Mar 2026"], Vec::new());
    for empty in [no_categories, all_zero, no_series] {
        assert!(empty.is_empty());
        let svg = render_svg(&empty).unwrap();
        assert_eq!(texts(&svg), ["Weighted pipeline — Service contracts", "No leads yet"], "{:?}", empty.kind);
        let dir = tempfile::tempdir().unwrap();
        render_png(&empty, &dir.path().join("empty.png")).unwrap();
    }
}

#[test]
fn every_kind_draws_with_one_category_a_single_lead_and_many_months() {
    let months: Vec<String> = (1..=36).map(|m| format!("Month {m}")).collect();
    let month_refs: Vec<&str> = months.iter().map(String::as_str).collect();
    let values: Vec<i64> = (1..=36).collect();
    for kind in [ChartKind::Bars, ChartKind::StackedBars, ChartKind::Funnel, ChartKind::Line] {
        for unit in [Unit::Count, Unit::Cents, Unit::Percent] {
            let single = chart(kind, unit, &["Pending"], vec![series("Leads", &[1])]);
            let many = chart(kind, unit, &month_refs, vec![series("Leads", &values), series("Other", &values)]);
            for chart in [single, many] {
                let svg = render_svg(&chart).unwrap();
                assert!(svg.contains("Weighted value"), "{kind:?} {unit:?}");
            }
        }
    }
}

#[test]
fn a_funnel_shows_each_stage_and_its_share_of_the_first() {
    let funnel = Chart {
        title: "Conversion funnel".into(),
        kind: ChartKind::Funnel,
        unit: Unit::Count,
        category_axis: "Stage".into(),
        value_axis: "Leads".into(),
        categories: ["Pending qualification", "Development", "Quoting", "Customer (won)"].map(String::from).to_vec(),
        series: vec![series("Leads", &[1_200, 600, 200, 3])],
        empty_text: "No leads yet".into(),
    };
    let texts = texts(&render_svg(&funnel).unwrap());
    for expected in ["Pending qualification", "Customer (won)", "1,200 (100%)", "600 (50%)", "200 (16.7%)", "3 (0.3%)", "Stage", "Leads"] {
        assert!(texts.iter().any(|t| t == expected), "{expected:?} missing from {texts:?}");
    }
}

#[test]
fn values_read_as_money_counts_and_percentages() {
    let check = |unit: Unit, value: i64, full: &str, short: &str, exact: &str| {
        assert_eq!((unit.format(value).as_str(), unit.format_short(value).as_str(), unit.exact(value).as_str()), (full, short, exact), "{unit:?} {value}");
    };
    check(Unit::Cents, 1_250_050, "$12,501", "$12.5k", "$12,500.50");
    check(Unit::Cents, 49, "$0", "$0", "$0.49");
    check(Unit::Cents, 999_900, "$9,999", "$9,999", "$9,999.00");
    check(Unit::Cents, 12_345_678_900, "$123,456,789", "$123M", "$123,456,789.00");
    check(Unit::Cents, 100_000_000, "$1,000,000", "$1M", "$1,000,000.00");
    check(Unit::Count, 1_204, "1,204", "1,204", "1,204");
    check(Unit::Count, 333_334, "333,334", "333k", "333,334");
    check(Unit::Percent, 6_667, "66.7%", "66.7%", "66.67%");
    check(Unit::Percent, 10_000, "100%", "100%", "100.00%");
    check(Unit::Percent, 0, "0%", "0%", "0.00%");
}

#[test]
fn value_axes_step_by_round_numbers_that_never_repeat_a_label() {
    let check = |unit: Unit, max: i64, expected: &[i64]| assert_eq!(draw::value_ticks(unit, max), expected, "{unit:?} {max}");
    check(Unit::Count, 1, &[0, 1]);
    check(Unit::Count, 3, &[0, 1, 2, 3]);
    check(Unit::Count, 120, &[0, 50, 100, 150]);
    check(Unit::Count, 1_000_000, &[0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
    check(Unit::Cents, 7, &[0, 100]);
    check(Unit::Cents, 1_234_567, &[0, 500_000, 1_000_000, 1_500_000]);
    check(Unit::Percent, 6_667, &[0, 2_000, 4_000, 6_000, 8_000, 10_000]);
}

#[test]
fn the_table_lines_up_exact_values() {
    assert_eq!(
        pipeline().table(),
        "Weighted pipeline — Service contracts
         | Pending qualification | Development |       Quoting
Mar 2026 |           $125,000.00 |  $50,000.00 |         $0.00
Apr 2026 |                 $0.00 |  $80,000.00 | $1,250,000.00
No date  |             $3,000.00 |       $0.00 |         $0.00
"
    );
}

/// Not a check: writes every kind as SVG and PNG to a temporary folder for a person to look at
/// (`cargo test -p crm-core --lib chart::tests::samples -- --ignored --nocapture`).
#[test]
#[ignore]
fn samples() {
    let dir = std::env::temp_dir().join("keel-charts");
    std::fs::create_dir_all(&dir).unwrap();
    let months: Vec<String> = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].iter().map(|m| format!("{m} 2025")).collect();
    let month_refs: Vec<&str> = months.iter().map(String::as_str).collect();
    let by_state = Chart {
        title: "Leads by state — Service contracts".into(),
        kind: ChartKind::Bars,
        unit: Unit::Count,
        category_axis: "State".into(),
        value_axis: "Leads".into(),
        categories: ["Pending qualification", "Development", "Quoting", "Customer (won)", "Inactive"].map(String::from).to_vec(),
        series: vec![series("Leads", &[1_204, 610, 233, 480, 912])],
        empty_text: "No leads yet".into(),
    };
    let funnel = Chart { title: "Conversion funnel — All leads".into(), kind: ChartKind::Funnel, category_axis: "Stage".into(), categories: by_state.categories[..4].to_vec(), series: vec![series("Leads", &[2_527, 1_323, 713, 480])], ..by_state.clone() };
    let win_rate = Chart {
        title: "Win rate by month — Website (source)".into(),
        kind: ChartKind::Line,
        unit: Unit::Percent,
        category_axis: "Month closed".into(),
        value_axis: "Win rate".into(),
        categories: months.clone(),
        series: vec![series("Win rate", &[3_333, 5_000, 4_286, 6_667, 2_500, 10_000, 0, 4_000, 5_556, 6_000, 3_750, 4_545])],
        empty_text: "No leads won or lost yet".into(),
    };
    let wide = chart(
        ChartKind::StackedBars,
        Unit::Cents,
        &month_refs,
        vec![
            series("Pending qualification", &[500_000_000; 12]),
            series("Development", &(1..=12).map(|m| m * 123_456_700).collect::<Vec<_>>()),
            series("Quoting", &[200_000_000; 12]),
        ],
    );
    let empty = Chart { categories: Vec::new(), ..win_rate.clone() };
    for (name, chart) in [("by_state", by_state), ("funnel", funnel), ("pipeline", pipeline()), ("pipeline_wide", wide), ("win_rate", win_rate), ("empty", empty)] {
        let started = std::time::Instant::now();
        let svg = render_svg(&chart).unwrap();
        println!("{name}: SVG in {:?}", started.elapsed());
        std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
        render_png(&chart, &dir.join(format!("{name}.png"))).unwrap();
    }
    println!("{}", dir.display());
}
