#pragma once
// Console output plus ratios to a baseline run of the same program (header-only, Google
// Benchmark): a run whose name starts with the baseline prefix becomes the baseline; each other
// run after it gets vs_batch = its items_per_second / the baseline's, and for each pair
// (counter, ratio) in `lower_is_better` (e.g. {"cpu_us_per_doc", "cpu_vs_batch"}) the counter
// ratio = the baseline's value / its own. Register each compared run right after its baseline, so that a change of load on a
// shared machine moves both sides alike. Used by worker_bench.cpp and service_bench.cpp.
#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace istmo::bench {

class BaselineRatioReporter : public benchmark::ConsoleReporter {
public:
    using Ratios = std::vector<std::pair<std::string, std::string>>;  // (counter, ratio's name)

    explicit BaselineRatioReporter(std::string baseline_prefix, Ratios lower_is_better = {})
        : m_prefix(std::move(baseline_prefix)), m_lower_is_better(std::move(lower_is_better)) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        std::vector<Run> copy = runs;
        for (Run& run : copy) {
            const auto items = run.counters.find("items_per_second");
            if (items == run.counters.end()) continue;
            if (run.benchmark_name().rfind(m_prefix, 0) == 0) {
                m_baseline.clear();
                for (const auto& [name, counter] : run.counters) m_baseline[name] = counter.value;
                continue;
            }
            const auto rate = m_baseline.find("items_per_second");
            if (rate == m_baseline.end() || rate->second <= 0) continue;
            run.counters["vs_batch"] = items->second.value / rate->second;
            for (const auto& [name, ratio] : m_lower_is_better) {
                const auto own = run.counters.find(name);
                const auto base = m_baseline.find(name);
                if (own != run.counters.end() && base != m_baseline.end() && own->second.value > 0 && base->second > 0)
                    run.counters[ratio] = base->second / own->second.value;
            }
        }
        ConsoleReporter::ReportRuns(copy);
    }

private:
    std::string m_prefix;
    Ratios m_lower_is_better;
    std::map<std::string, double> m_baseline;  // the counters of the last baseline run
};

}  // namespace istmo::bench
