#pragma once
// Distinct signed Panama invoices for the service, store and worker tests: the JSON vector
// 01-factura with dNroDF = n + 1 (so a distinct CUFE per n), signed by rsa2048 with a QR.
#include <string>

namespace istmo::test {

std::string signed_panama_invoice(int n);

}  // namespace istmo::test
