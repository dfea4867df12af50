#pragma once
// Checks JSON reports against docs/report.schema.json with scripts/check_report_schema.py
// (python3-jsonschema). Without python3 or jsonschema the calling test is skipped (ctest: Not Run).
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <string>

namespace istmo::test {

// `json`: one JSON value or NDJSON lines. `what` names them in failure messages.
inline void expect_report_schema_valid(const std::string& json, const std::string& what) {
    if (!have_tool("python3")) GTEST_SKIP() << "python3 not installed: report schema check did not run";
    TempDir dir;
    write_file(dir / "reports.json", json);
    const auto result = run_command("python3 " + (source_dir() / "scripts" / "check_report_schema.py").string() + " " +
                                    (source_dir() / "docs" / "report.schema.json").string() + " " +
                                    (dir / "reports.json").string());
    if (result.exit_code == 77) GTEST_SKIP() << "python3-jsonschema not installed: report schema check did not run";
    EXPECT_EQ(result.exit_code, 0) << what << "\n" << result.output;
}

}  // namespace istmo::test
