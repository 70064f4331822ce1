/* test_classify_text - the new text of a reply (classify_text.c): quote
 * attributions, Outlook header blocks, forward separators, mobile
 * signatures, legal and newsletter footers, signature blocks, in the nine
 * languages. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify_p.h"

static const struct {
	const char *text, *want;
} rows[] = {
    /* a mailing list's footer is not the reply; a line of underscores
     * alone is */
    {"Sure, Thursday works.\n\n__________________________\nsales-tools "
     "mailing list\nsales-tools@lists.x.example\n"
     "https://lists.x.example/mailman/listinfo/sales-tools\n",
     "Sure, Thursday works."},
    {"Totals:\n______________\n42 units\n",
     "Totals:\n______________\n42 units"},
    /* attributions */
    {"Va bene, martedì alle 10.\n\nIl giorno mar 17 nov 2026 alle ore "
     "10:00 Dana <d@x.example> ha scritto:\n> Ciao Luca\n",
     "Va bene, martedì alle 10."},
    {"Pode ser quinta.\n\nEm ter., 17 de nov. de 2026 às 10:00, Dana "
     "<d@x.example> escreveu:\n> Olá\n",
     "Pode ser quinta."},
    {"Låter bra.\n\nDen 17 nov. 2026 kl. 10:00 skrev Dana "
     "<d@x.example>:\n> Hej\n",
     "Låter bra."},
    {"Pasuje.\n\nW dniu 17.11.2026 o 10:00, Dana <d@x.example> pisze:\n"
     "> Dzień dobry\n",
     "Pasuje."},
    {"Dobrze.\n\nDnia 17 listopada 2026 Dana Seller napisał(a):\n> Dzień\n",
     "Dobrze."},
    {"Gerne.\n\nAm 17.11.2026 um 10:00 schrieb Dana <d@x.example>:\n> Hallo\n",
     "Gerne."},
    {"Oui.\n\nLe mar. 17 nov. 2026 à 10:00, Dana <d@x.example> a écrit :\n"
     "> Bonjour\n",
     "Oui."},
    {"Sí.\n\nEl mar, 17 nov 2026 a las 10:00, Dana (<d@x.example>) "
     "escribió:\n> Hola\n",
     "Sí."},
    {"Goed.\n\nOp di 17 nov. 2026 om 10:00 schreef Dana <d@x.example>:\n"
     "> Hallo\n",
     "Goed."},
    {"Sounds good.\n\nOn Tue, Nov 17, 2026 at 10:00 AM Dana <d@x.example>\n"
     "wrote:\n> Hi\n",
     "Sounds good."},
    {"Dobrze.\n\nWiadomość napisana przez Dana Seller <d@x.example> w dniu "
     "17.11.2026, o godz. 10:00:\n> Dzień dobry\n",
     "Dobrze."},
    {"Prima.\n\nOp 17 nov. 2026 om 10:00 heeft Dana Seller <d@x.example> het "
     "volgende geschreven:\n> Hallo\n",
     "Prima."},
    {"Tak.\n\nwt., 17 lis 2026 o 10:00 Dana Seller <d@x.example> "
     "napisał(a):\n> Dzień dobry\n",
     "Tak."},
    {"Ja.\n\n17 nov. 2026 kl. 10:00 skrev Dana Seller <d@x.example>:\n> Hej\n",
     "Ja."},
    /* Outlook header blocks */
    {"Sim.\n\nDe: Dana <d@x.example>\nEnviada em: terça-feira, 17 de "
     "novembro de 2026 10:00\nPara: Ana\nAssunto: teste\n\nOlá",
     "Sim."},
    {"Ok.\n\nDa: Dana <d@x.example>\nInviato: martedì 17 novembre 2026 "
     "10:00\nA: Luca\nOggetto: R: prova\n\nCiao Luca",
     "Ok."},
    {"Sim.\n\nDe: Dana <d@x.example>\nEnviado: terça-feira, 17 de novembro "
     "de 2026 10:00\nPara: Ana\nAssunto: teste\n\nOlá",
     "Sim."},
    {"Ja.\n\nFrån: Dana <d@x.example>\nSkickat: den 17 november 2026 "
     "10:00\nTill: Sven\nÄmne: test\n\nHej",
     "Ja."},
    {"Tak.\n\nOd: Dana <d@x.example>\nWysłano: wtorek, 17 listopada 2026 "
     "10:00\nDo: Jan\nTemat: test\n\nDzień dobry",
     "Tak."},
    {"Prima.\n\nVan: Dana <d@x.example>\nVerzonden: dinsdag 17 november "
     "2026 10:00\nAan: Jan\nOnderwerp: test\n\nHallo",
     "Prima."},
    {"Gut.\n\nVon: Dana <d@x.example>\nGesendet: Dienstag, 17. November "
     "2026 10:00\nAn: Jan\nBetreff: Test\n\nHallo",
     "Gut."},
    {"D'accord.\n\nDe : Dana <d@x.example>\nEnvoyé : mardi 17 novembre "
     "2026 10:00\nÀ : Jean\nObjet : test\n\nBonjour",
     "D'accord."},
    /* forwarded messages and separators */
    {"FYI below.\n\n---------- Messaggio inoltrato ---------\nDa: Dana\n",
     "FYI below."},
    {"Siehe unten.\n\n-------- Weitergeleitete Nachricht --------\nVon: D\n",
     "Siehe unten."},
    {"Veja abaixo.\n\n-----Mensagem original-----\nDe: Dana\n", "Veja abaixo."},
    {"Se nedan.\n\n-------- Ursprungligt meddelande --------\nFrån: D\n",
     "Se nedan."},
    {"Poniżej.\n\n-------- Oryginalna wiadomość --------\nOd: D\n", "Poniżej."},
    /* mobile signatures */
    {"Sì, va bene.\n\nInviato da iPhone", "Sì, va bene."},
    {"Sim.\n\nEnviado do meu iPhone", "Sim."},
    {"Ja.\n\nSkickat från min iPhone", "Ja."},
    {"Tak.\n\nWysłane z iPhone'a", "Tak."},
    {"Ja.\n\nVerzonden vanaf mijn iPhone", "Ja."},
    {"Gerne.\n\nOutlook für iOS beziehen", "Gerne."},
    {"Oui.\n\nObtenir Outlook pour iOS", "Oui."},
    {"Sent from my desk, is much easier to type here.",
     "Sent from my desk, is much easier to type here."},
    /* legal and newsletter footers */
    {"Yes please.\n\nThis e-mail and any attachments are confidential and "
     "intended solely for the addressee.",
     "Yes please."},
    {"Gerne.\n\nDiese E-Mail enthält vertrauliche und/oder rechtlich "
     "geschützte Informationen.",
     "Gerne."},
    {"Oui.\n\nCe message et ses pièces jointes sont confidentiels et "
     "destinés exclusivement au destinataire.",
     "Oui."},
    {"Sí.\n\nEste mensaje y sus anexos son confidenciales.", "Sí."},
    {"Sì.\n\nQuesto messaggio e i suoi allegati sono riservati.", "Sì."},
    {"Call me Tuesday.\n\nTo unsubscribe from our newsletter click here.",
     "Call me Tuesday."},
    {"This email is to confirm Tuesday at 10.",
     "This email is to confirm Tuesday at 10."},
    /* signature blocks */
    {"Yes, send the quote.\n\nPaolo Marino\n\nMarino Impianti S.r.l.",
     "Yes, send the quote.\n\nPaolo Marino"},
    {"What is this regarding?\n\nRachel Kim\nPractice Manager\nSummit "
     "Dental Group",
     "What is this regarding?"},
    {"Sure.\n\nThanks,\nSam\n\nSam Ortiz | IT Operations Lead\nT +1 555 0100",
     "Sure.\n\nThanks,\nSam"},
    {"Hi Dana,\n\nSounds good\nTalk then",
     "Hi Dana,\n\nSounds good\nTalk then"},
    {"Hi,\n\nOK\n\nMonday 10am\nRoom 4", "Hi,\n\nOK\n\nMonday 10am\nRoom 4"},
    {"Hi,\n\nYes\n\nTuesday\nAfter lunch",
     "Hi,\n\nYes\n\nTuesday\nAfter lunch"},
    {"Danke.\n\nFreundliche Grüße\nThomas Wagner",
     "Danke.\n\nFreundliche Grüße\nThomas Wagner"},
};

static void
test_reply_text_languages(void **state)
{
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		got = classify_reply_text(rows[i].text);
		if (strcmp(got, rows[i].want) != 0)
			fail_msg("row %zu: got \"%s\", want \"%s\"", i, got,
			         rows[i].want);
		free(got);
	}
}

static void
test_helpers(void **state)
{
	char *s;

	(void)state;
	assert_non_null(cls_ci_strstr("Hello WORLD", "world"));
	assert_null(cls_ci_strstr("Hello", "xyz"));
	s = cls_lower_utf8("ÄBC’s");
	assert_string_equal(s, "äbc's");
	free(s);
	s = cls_one_line("a \n\t b   c", 100);
	assert_string_equal(s, "a b c");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reply_text_languages),
	    cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
