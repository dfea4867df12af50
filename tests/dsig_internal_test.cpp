// Internal fast paths against libxml2's reference node-set canonicalization.
#include "dsig/signature_value.hpp"
#include "xml/c14n.hpp"
#include "xml/document_impl.hpp"

#include <gtest/gtest.h>

namespace {

using namespace istmo;

const xmlNode* find_element(const xmlNode* node, const char* name) {
    for (; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE && xml::sv(node->name) == name) return node;
        if (const xmlNode* found = find_element(node->children, name)) return found;
    }
    return nullptr;
}

TEST(DsigSignedInfoC14n, CopyPathEqualsTheNodeSetFilter) {
    const char* documents[] = {
        ("<r xmlns=\"urn:default\" xmlns:a=\"urn:a\" xmlns:unused=\"urn:u\"><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
         "<ds:SignedInfo a:x=\"1\"><!-- c --><ds:CanonicalizationMethod Algorithm=\"m\"/>\n<child xmlns=\"\">t</child></ds:SignedInfo>"
         "</ds:Signature></r>"),
        ("<a:r xmlns:a=\"urn:a\"><a:s xmlns:a=\"urn:a2\" xmlns:b=\"urn:b\"><SignedInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\" b:z=\"&lt;&amp;\">"
         "<Reference URI=\"\"/></SignedInfo></a:s></a:r>"),
        "<r xml:lang=\"es\"><SignedInfo><x/></SignedInfo></r>",  // xml:* on an ancestor: reference path
    };
    const xml::C14nAlgorithm algorithms[] = {xml::C14nAlgorithm::inclusive_1_0, xml::C14nAlgorithm::exclusive_1_0,
                                             xml::C14nAlgorithm::inclusive_1_1};
    for (const char* text : documents) {
        auto doc = xml::XmlDocument::parse(text);
        ASSERT_TRUE(doc.has_value()) << text;
        const xmlNode* signed_info = find_element(xml::get(*doc)->children, "SignedInfo");
        ASSERT_NE(signed_info, nullptr);
        for (auto algorithm : algorithms) {
            for (bool comments : {false, true}) {
                xml::C14nMethod method{algorithm, comments, {}};
                auto fast = dsig::compute_signed_info_octets(xml::get(*doc), signed_info, method);
                auto reference = dsig::compute_signed_info_octets_by_filter(xml::get(*doc), signed_info, method);
                ASSERT_TRUE(fast.has_value());
                ASSERT_TRUE(reference.has_value());
                EXPECT_EQ(*fast, *reference) << text << " algorithm " << static_cast<int>(algorithm) << " comments " << comments;
            }
        }
    }
}

}  // namespace
