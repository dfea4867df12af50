#pragma once
// Deterministic invoice-like documents for the benchmarks (Panama DGI "rFE" flavour).
//
// The same (items) always gives the same bytes: a fixed linear congruential generator picks
// descriptions, codes, quantities and prices, and all amounts are computed in cents.
#include <cstddef>
#include <string>
#include <vector>

namespace istmo::bench {

// One electronic invoice with `items` gItem lines.
std::string make_invoice(std::size_t items);

// The smallest number of items whose invoice is at least `target_bytes` long (>= 1).
std::size_t items_for_size(std::size_t target_bytes);

struct DocumentSize {
    const char* label;         // "3KB", "60KB", "5.7MB": used in benchmark names
    std::size_t target_bytes;  // approximate size of the unsigned document
};

// The three sizes used everywhere: ~3 KB, ~60 KB, ~5.7 MB.
const std::vector<DocumentSize>& standard_sizes();

}  // namespace istmo::bench
