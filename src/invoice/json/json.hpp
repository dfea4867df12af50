#pragma once
// Internal: invoice JSON input reads with the library's one strict JSON reader.
#include "report/json_reader.hpp"

namespace istmo::invoice::json {

using report::json::Kind;
using report::json::kind_name;
using report::json::Limits;
using report::json::Member;
using report::json::parse;
using report::json::Value;

}  // namespace istmo::invoice::json
