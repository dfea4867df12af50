#pragma once
// A batch::Sink that keeps every result and every skipped source, for the batch and store tests.
#include <istmo/batch/batch.hpp>

#include <string>
#include <vector>

namespace istmo::test {

class CollectingSink final : public batch::Sink {
public:
    istmo::Result<void> write(const batch::DocumentResult& r) override {
        results.push_back(r);
        return {};
    }
    void skipped(const std::string& source, const std::string&) override { skipped_sources.push_back(source); }
    std::vector<batch::DocumentResult> results;
    std::vector<std::string> skipped_sources;
};

}  // namespace istmo::test
