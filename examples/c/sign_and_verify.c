/* Signs a small document with the istmo C API and verifies it again.
 *
 * usage: sign_and_verify KEY CERT TRUST [TRUST...]
 *   KEY    private key file (PEM, DER or PKCS#12; a password, if any, comes from the
 *          ISTMO_KEY_PASSWORD environment variable)
 *   CERT   signer certificate (PEM; further certificates in the file are its chain)
 *   TRUST  trust anchor file(s) (PEM bundle or DER)
 *
 * Prints the signed document's size, the indication and the JSON report; exits 0 when the
 * signature verifies as TOTAL_PASSED, 1 otherwise.
 * Build: cc sign_and_verify.c $(pkg-config --cflags --libs istmo-c)
 */
#include <istmo/istmo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char* what, int code) {
    fprintf(stderr, "%s failed: %s (%d): %s\n", what, istmo_strerror(code), code,
            istmo_last_error_message());
    return 1;
}

int main(int argc, char** argv) {
    static const char document[] =
        "<Invoice xmlns=\"urn:example:invoice\"><Number>0001</Number>"
        "<Total currency=\"USD\">100.00</Total></Invoice>";
    istmo_key* key = NULL;
    istmo_cert* cert = NULL;
    istmo_trust* trust = NULL;
    istmo_report* report = NULL;
    char* signed_xml = NULL;
    size_t signed_len = 0;
    int status = 1;
    int rc;
    int i;

    if (argc < 4) {
        fprintf(stderr, "usage: %s KEY CERT TRUST [TRUST...]\n", argv[0]);
        return 64;
    }
    printf("istmo %s (%d)\n", istmo_version_string(), istmo_version());
    if ((rc = istmo_init()) != ISTMO_OK) return fail("istmo_init", rc);

    rc = istmo_key_load_file(&key, argv[1], getenv("ISTMO_KEY_PASSWORD"));
    if (rc != ISTMO_OK) { status = fail("istmo_key_load_file", rc); goto done; }
    rc = istmo_cert_load_file(&cert, argv[2]);
    if (rc != ISTMO_OK) { status = fail("istmo_cert_load_file", rc); goto done; }
    rc = istmo_trust_new(&trust);
    if (rc != ISTMO_OK) { status = fail("istmo_trust_new", rc); goto done; }
    for (i = 3; i < argc; ++i) {
        rc = istmo_trust_add_file(trust, argv[i]);
        if (rc != ISTMO_OK) { status = fail("istmo_trust_add_file", rc); goto done; }
    }

    rc = istmo_sign(&signed_xml, &signed_len, document, strlen(document), key, cert, "xmldsig");
    if (rc != ISTMO_OK) { status = fail("istmo_sign", rc); goto done; }
    printf("signed document: %lu bytes\n", (unsigned long)signed_len);

    rc = istmo_verify(&report, signed_xml, signed_len, trust);
    if (rc != ISTMO_OK) { status = fail("istmo_verify", rc); goto done; }
    switch (istmo_report_indication(report)) {
        case ISTMO_INDICATION_TOTAL_PASSED: printf("indication: TOTAL_PASSED\n"); status = 0; break;
        case ISTMO_INDICATION_TOTAL_FAILED: printf("indication: TOTAL_FAILED\n"); break;
        case ISTMO_INDICATION_INDETERMINATE: printf("indication: INDETERMINATE\n"); break;
        default: status = fail("istmo_report_indication", istmo_report_indication(report)); break;
    }
    printf("report: %s\n", istmo_report_json(report));

done:
    /* Every free function accepts NULL, so one cleanup path serves every exit. */
    istmo_report_free(report);
    istmo_free(signed_xml);
    istmo_trust_free(trust);
    istmo_cert_free(cert);
    istmo_key_free(key);
    return status;
}
