/* Validates a Panama e-invoice (DGI rFE 1.00) with the istmo C API.
 *
 * usage: validate_invoice TRUST [INVOICE.xml]
 *   TRUST        trust anchor file (PEM bundle or DER), e.g. test-vectors/pki/chain.pem
 *   INVOICE.xml  the signed invoice; without it, a minimal (and invalid) rFE is validated
 *
 * Prints the indication, the CUFE computed from the invoice's fields and the JSON report
 * (findings with their FE-* codes, docs/panama-fe.md); exits 0 when the invoice is
 * TOTAL_PASSED, 1 when it is not, 2 when the validation could not be done.
 * Build: cc validate_invoice.c $(pkg-config --cflags --libs istmo-c)
 */
#include <istmo/istmo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a whole file into a malloc'ed buffer; NULL on failure. */
static char* read_file(const char* path, size_t* len) {
    FILE* file = fopen(path, "rb");
    char* data = NULL;
    long size;
    if (file == NULL) return NULL;
    if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 && fseek(file, 0, SEEK_SET) == 0) {
        data = (char*)malloc((size_t)size + 1);
        if (data != NULL && fread(data, 1, (size_t)size, file) != (size_t)size) {
            free(data);
            data = NULL;
        }
        if (data != NULL) *len = (size_t)size;
    }
    fclose(file);
    return data;
}

int main(int argc, char** argv) {
    static const char sample[] =
        "<rFE xmlns=\"http://dgi-fep.mef.gob.pa\"><dVerForm>1.00</dVerForm></rFE>";
    istmo_trust* trust = NULL;
    istmo_report* report = NULL;
    char* owned = NULL;
    char* cufe = NULL;
    const char* xml = sample;
    size_t len = strlen(sample);
    int status = 2;
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: %s TRUST [INVOICE.xml]\n", argv[0]);
        return 64;
    }
    if (argc > 2) {
        owned = read_file(argv[2], &len);
        if (owned == NULL) {
            fprintf(stderr, "cannot read %s\n", argv[2]);
            return 66;
        }
        xml = owned;
    }
    if ((rc = istmo_trust_new(&trust)) != ISTMO_OK || (rc = istmo_trust_add_file(trust, argv[1])) != ISTMO_OK) {
        fprintf(stderr, "trust store: %s: %s\n", istmo_strerror(rc), istmo_last_error_message());
        goto done;
    }

    /* An invalid invoice is not an error: the report says what is wrong with it. */
    rc = istmo_invoice_validate(&report, xml, len, trust);
    if (rc != ISTMO_OK) {
        fprintf(stderr, "istmo_invoice_validate: %s: %s\n", istmo_strerror(rc), istmo_last_error_message());
        goto done;
    }
    printf("indication: %d\n", istmo_report_indication(report));
    /* The CUFE needs the invoice's fields: a document without them has none. */
    if (istmo_invoice_cufe(&cufe, xml, len) == ISTMO_OK)
        printf("cufe: %s\n", cufe);
    else
        printf("cufe: (none: %s)\n", istmo_last_error_message());
    printf("report: %s\n", istmo_report_json(report));
    status = istmo_report_indication(report) == ISTMO_INDICATION_TOTAL_PASSED ? 0 : 1;

done:
    istmo_free(cufe);
    istmo_report_free(report);
    istmo_trust_free(trust);
    free(owned);
    return status;
}
