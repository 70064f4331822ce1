/* test_classify_intent - whole messages through the default rules: reply
 * intent, answers, referrals (classify_intent.c); opt-outs, their negation
 * and review; canned out-of-office bodies; service notifications and
 * engagement; stale return dates; NUL bytes (classify.c). */
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
#include "clock.h"

static struct classifier *cls;

static int
setup(void **state)
{
	const char *s = getenv("top_srcdir");
	char *path, *err = NULL;

	(void)state;
	path = xasprintf("%s/rules/classify.rules",
	                 s != NULL && *s != '\0' ? s : ".");
	if (classify_load(path, &cls, &err) != CLASSIFY_OK) {
		fprintf(stderr, "%s\n", err);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	classify_free(cls);
	return 0;
}

/* run: classify a message From lead@acme.example To dana@seller.example,
 * dated Wed 18 Nov 2026, with extra headers and a body. */
static void
run(const char *subject, const char *headers, const char *body,
    struct classification *out)
{
	char *msg, *err = NULL;

	msg = xasprintf("From: Jo Lead <lead@acme.example>\n"
	                "To: Dana Seller <dana@seller.example>\n"
	                "Subject: %s\n"
	                "Date: Wed, 18 Nov 2026 09:00:00 +0000\n"
	                "Message-ID: <1@acme.example>\n"
	                "%s"
	                "\n%s",
	                subject, headers, body);
	if (classify_buffer(cls, msg, strlen(msg), "UTC", out, &err) !=
	    CLASSIFY_OK)
		fail_msg("classify_buffer: %s", err);
	free(msg);
}

static void
test_intents(void **state)
{
	static const struct {
		const char *body;
		int intent;
	} rows[] = {
	    {"No thanks, not interested.", INTENT_STOP},
	    {"Please stop.", INTENT_STOP},
	    {"Kein Interesse, danke.", INTENT_STOP},
	    {"Non merci, ça ne m'intéresse pas.", INTENT_STOP},
	    {"No gracias, no nos interesa.", INTENT_STOP},
	    {"No grazie, non siamo interessati.", INTENT_STOP},
	    {"Não, obrigado. Não tenho interesse.", INTENT_STOP},
	    {"Nej tack, inte intresserad.", INTENT_STOP},
	    {"Nie, dziękuję. Nie jesteśmy zainteresowani.", INTENT_STOP},
	    {"Nee, bedankt. Geen interesse.", INTENT_STOP},
	    {"I'm not the right person, please contact maria@acme.example "
	     "instead.",
	     INTENT_REFERRAL},
	    {"Ansprechpartnerin ist Frau Keller: n.keller@acme.example",
	     INTENT_REFERRAL},
	    {"Not now, but send me info in March.", INTENT_LATER},
	    {"Bitte melden Sie sich im März wieder.", INTENT_LATER},
	    {"Pas maintenant. Recontactez-moi en janvier.", INTENT_LATER},
	    {"Ahora no, vuelve a contactarme en marzo.", INTENT_LATER},
	    /* a stop with a time on it is a later */
	    {"Please don't email me again until March.", INTENT_LATER},
	    {"Not interested right now, try again in the spring.",
	     INTENT_LATER},
	    {"We went with another vendor last month.", INTENT_NOT_FIT},
	    {"Wir haben schon eine Lösung, kein Bedarf.", INTENT_NOT_FIT},
	    {"Non fa per noi, abbiamo già un fornitore.", INTENT_NOT_FIT},
	    {"Sounds great, can we book a demo?", INTENT_INTERESTED},
	    {"Gerne, passt Ihnen Dienstag?", INTENT_INTERESTED},
	    {"Temos interesse. Podemos marcar uma reunião?", INTENT_INTERESTED},
	    {"Ja, vi är intresserade. Skicka en offert.", INTENT_INTERESTED},
	    {"Jesteśmy zainteresowani, proszę o ofertę.", INTENT_INTERESTED},
	    {"Who gave you my name?", INTENT_UNCLEAR},
	    /* suspicious about the source: unclear even when it asks the
	     * price (the salesperson looks) */
	    {"Where did you get my email? And what does it cost?",
	     INTENT_UNCLEAR},
	    {"Woher haben Sie meine Nummer? Was kostet das?", INTENT_UNCLEAR},
	    {"¿De dónde sacó mi correo? ¿Cuánto cuesta?", INTENT_UNCLEAR},
	    /* a product question that is not about a time */
	    {"Does it work with our CRM?", INTENT_UNCLEAR},
	    /* 'suits us' negated is no time proposed */
	    {"Nie pasuje nam to teraz.", INTENT_UNCLEAR},
	    {"Non ti va bene? Peccato.", INTENT_UNCLEAR},
	};
	struct classification cl;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		run("Re: hello", "In-Reply-To: <s@seller.example>\n",
		    rows[i].body, &cl);
		if (cl.cls != CLS_HUMAN_REPLY || cl.intent != rows[i].intent)
			fail_msg(
			    "row %zu \"%s\": %s/%s (%s), want human_reply/%s",
			    i, rows[i].body, classify_class_name(cl.cls),
			    classify_intent_name(cl.intent),
			    cl.intent_rule ? cl.intent_rule : "-",
			    classify_intent_name(rows[i].intent));
		classification_free(&cl);
	}
}

/* Unseen phrasing: the four intents people state most, each worded three or
 * more ways in each of the nine languages (en de fr es it pt sv pl nl), none
 * of it from the labelled sets.  Every mismatch is listed before failing.  A
 * stop may also come out as an unsubscribe (the same end: no more mail). */
static void
test_intents_unseen(void **state)
{
	static const struct {
		const char *body;
		int intent;
	} rows[] = {
	    {"Can you do Tuesday at 10?", INTENT_INTERESTED},
	    {"How about next week?", INTENT_INTERESTED},
	    {"Are you free Thursday afternoon?", INTENT_INTERESTED},
	    {"Send me an invite.", INTENT_INTERESTED},
	    {"Does 3pm work for you?", INTENT_INTERESTED},
	    {"Let me know some times that suit you.", INTENT_INTERESTED},
	    {"I'd like to hear more.", INTENT_INTERESTED},
	    {"What does it cost?", INTENT_INTERESTED},
	    {"Could we chat on Friday morning?", INTENT_INTERESTED},
	    {"What's your pricing like for a team of 20?", INTENT_INTERESTED},
	    {"Happy to jump on a call, when suits you?", INTENT_INTERESTED},
	    {"Not right now, maybe later.", INTENT_LATER},
	    {"Let's circle back in Q2.", INTENT_LATER},
	    {"After our budget cycle, please.", INTENT_LATER},
	    {"Ping me in the new year.", INTENT_LATER},
	    {"Bad timing for us - try me again in the autumn.", INTENT_LATER},
	    {"We went with HubSpot.", INTENT_NOT_FIT},
	    {"This isn't a priority for us.", INTENT_NOT_FIT},
	    {"We have no budget for this.", INTENT_NOT_FIT},
	    {"We already have a solution in place.", INTENT_NOT_FIT},
	    {"No thanks.", INTENT_STOP},
	    {"Not interested.", INTENT_STOP},
	    {"Please stop emailing me.", INTENT_STOP},
	    {"Don't contact me again.", INTENT_STOP},
	    {"Können Sie Dienstag um 10 Uhr?", INTENT_INTERESTED},
	    {"Wie wäre es mit nächster Woche?", INTENT_INTERESTED},
	    {"Haben Sie Donnerstag Zeit?", INTENT_INTERESTED},
	    {"Schicken Sie mir eine Einladung.", INTENT_INTERESTED},
	    {"Was kostet das?", INTENT_INTERESTED},
	    {"Ich würde gerne mehr erfahren.", INTENT_INTERESTED},
	    {"Im Moment nicht, vielleicht später.", INTENT_LATER},
	    {"Melden Sie sich bitte im zweiten Quartal wieder.", INTENT_LATER},
	    {"Nach unserer Budgetplanung gerne.", INTENT_LATER},
	    {"Kommen Sie im neuen Jahr wieder auf mich zu.", INTENT_LATER},
	    {"Wir haben uns für einen anderen Anbieter entschieden.",
	     INTENT_NOT_FIT},
	    {"Das hat bei uns derzeit keine Priorität.", INTENT_NOT_FIT},
	    {"Wir haben dafür kein Budget.", INTENT_NOT_FIT},
	    {"Wir haben bereits eine Lösung.", INTENT_NOT_FIT},
	    {"Nein danke.", INTENT_STOP},
	    {"Kein Interesse.", INTENT_STOP},
	    {"Bitte kontaktieren Sie mich nicht mehr.", INTENT_STOP},
	    {"Hören Sie bitte auf, mir zu schreiben.", INTENT_STOP},
	    {"Êtes-vous disponible jeudi ?", INTENT_INTERESTED},
	    {"Mardi à 10h, ça vous va ?", INTENT_INTERESTED},
	    {"Envoyez-moi une invitation.", INTENT_INTERESTED},
	    {"Combien ça coûte ?", INTENT_INTERESTED},
	    {"J'aimerais en savoir plus.", INTENT_INTERESTED},
	    {"Proposez-moi quelques créneaux.", INTENT_INTERESTED},
	    {"Pas pour le moment, peut-être plus tard.", INTENT_LATER},
	    {"Revenez vers moi au deuxième trimestre.", INTENT_LATER},
	    {"Recontactez-moi l'année prochaine.", INTENT_LATER},
	    {"Après notre exercice budgétaire.", INTENT_LATER},
	    {"Nous avons choisi un autre prestataire.", INTENT_NOT_FIT},
	    {"Ce n'est pas une priorité pour nous.", INTENT_NOT_FIT},
	    {"Nous n'avons pas de budget.", INTENT_NOT_FIT},
	    {"Nous avons déjà une solution.", INTENT_NOT_FIT},
	    {"Non merci.", INTENT_STOP},
	    {"Pas intéressé.", INTENT_STOP},
	    {"Merci de ne plus me contacter.", INTENT_STOP},
	    {"Arrêtez de m'écrire s'il vous plaît.", INTENT_STOP},
	    {"¿Está libre el jueves?", INTENT_INTERESTED},
	    {"¿Qué tal la próxima semana?", INTENT_INTERESTED},
	    {"Envíeme una invitación.", INTENT_INTERESTED},
	    {"¿Cuánto cuesta?", INTENT_INTERESTED},
	    {"Me gustaría saber más.", INTENT_INTERESTED},
	    {"¿Le va bien el martes a las 10?", INTENT_INTERESTED},
	    {"Ahora mismo no, quizás más adelante.", INTENT_LATER},
	    {"Escríbeme en el segundo trimestre.", INTENT_LATER},
	    {"Contácteme el año que viene.", INTENT_LATER},
	    {"Después de nuestro ciclo presupuestario.", INTENT_LATER},
	    {"Elegimos a otro proveedor.", INTENT_NOT_FIT},
	    {"No es una prioridad para nosotros.", INTENT_NOT_FIT},
	    {"No tenemos presupuesto.", INTENT_NOT_FIT},
	    {"Ya tenemos una solución.", INTENT_NOT_FIT},
	    {"No, gracias.", INTENT_STOP},
	    {"No me interesa.", INTENT_STOP},
	    {"Por favor, no me contacte más.", INTENT_STOP},
	    {"Deje de escribirme.", INTENT_STOP},
	    {"È libero giovedì?", INTENT_INTERESTED},
	    {"Che ne dice della prossima settimana?", INTENT_INTERESTED},
	    {"Mi mandi un invito.", INTENT_INTERESTED},
	    {"Quanto costa?", INTENT_INTERESTED},
	    {"Vorrei saperne di più.", INTENT_INTERESTED},
	    {"Martedì alle 10 le va bene?", INTENT_INTERESTED},
	    {"Non adesso, magari più avanti.", INTENT_LATER},
	    {"Ricontattami nel secondo trimestre.", INTENT_LATER},
	    {"Risentiamoci l'anno prossimo.", INTENT_LATER},
	    {"Dopo la definizione del budget.", INTENT_LATER},
	    {"Abbiamo scelto un altro fornitore.", INTENT_NOT_FIT},
	    {"Non è una priorità per noi.", INTENT_NOT_FIT},
	    {"Non abbiamo budget.", INTENT_NOT_FIT},
	    {"Abbiamo già una soluzione.", INTENT_NOT_FIT},
	    {"No grazie.", INTENT_STOP},
	    {"Non mi interessa.", INTENT_STOP},
	    {"Per favore non contattatemi più.", INTENT_STOP},
	    {"Smettete di scrivermi.", INTENT_STOP},
	    {"Está livre na quinta-feira?", INTENT_INTERESTED},
	    {"Que tal na próxima semana?", INTENT_INTERESTED},
	    {"Me mande um convite.", INTENT_INTERESTED},
	    {"Quanto custa?", INTENT_INTERESTED},
	    {"Gostaria de saber mais.", INTENT_INTERESTED},
	    {"Terça às 10h funciona para você?", INTENT_INTERESTED},
	    {"Agora não, talvez mais tarde.", INTENT_LATER},
	    {"Volte a falar comigo no segundo trimestre.", INTENT_LATER},
	    {"Entre em contato no ano que vem.", INTENT_LATER},
	    {"Depois do nosso ciclo de orçamento.", INTENT_LATER},
	    {"Escolhemos outro fornecedor.", INTENT_NOT_FIT},
	    {"Não é uma prioridade para nós.", INTENT_NOT_FIT},
	    {"Não temos orçamento.", INTENT_NOT_FIT},
	    {"Já temos uma solução.", INTENT_NOT_FIT},
	    {"Não, obrigado.", INTENT_STOP},
	    {"Não tenho interesse.", INTENT_STOP},
	    {"Por favor, não me contate mais.", INTENT_STOP},
	    {"Pare de me enviar e-mails.", INTENT_STOP},
	    {"Har du tid på torsdag?", INTENT_INTERESTED},
	    {"Vad sägs om nästa vecka?", INTENT_INTERESTED},
	    {"Skicka en inbjudan.", INTENT_INTERESTED},
	    {"Vad kostar det?", INTENT_INTERESTED},
	    {"Jag vill gärna veta mer.", INTENT_INTERESTED},
	    {"Passar tisdag klockan 10?", INTENT_INTERESTED},
	    {"Inte just nu, kanske senare.", INTENT_LATER},
	    {"Hör av dig igen under andra kvartalet.", INTENT_LATER},
	    {"Kontakta mig efter nyår.", INTENT_LATER},
	    {"Efter vår budgetprocess.", INTENT_LATER},
	    {"Vi valde en annan leverantör.", INTENT_NOT_FIT},
	    {"Det är inte prioriterat för oss.", INTENT_NOT_FIT},
	    {"Vi har ingen budget.", INTENT_NOT_FIT},
	    {"Vi har redan en lösning.", INTENT_NOT_FIT},
	    {"Nej tack.", INTENT_STOP},
	    {"Inte intresserad.", INTENT_STOP},
	    {"Kontakta mig inte igen.", INTENT_STOP},
	    {"Sluta mejla mig.", INTENT_STOP},
	    {"Czy ma Pan czas w czwartek?", INTENT_INTERESTED},
	    {"Może w przyszłym tygodniu?", INTENT_INTERESTED},
	    {"Proszę przesłać zaproszenie.", INTENT_INTERESTED},
	    {"Ile to kosztuje?", INTENT_INTERESTED},
	    {"Chętnie dowiem się więcej.", INTENT_INTERESTED},
	    {"Czy wtorek o 10 Panu pasuje?", INTENT_INTERESTED},
	    {"Nie teraz, może później.", INTENT_LATER},
	    {"Proszę wrócić do mnie w drugim kwartale.", INTENT_LATER},
	    {"Proszę się odezwać w przyszłym roku.", INTENT_LATER},
	    {"Po zatwierdzeniu budżetu.", INTENT_LATER},
	    {"Wybraliśmy innego dostawcę.", INTENT_NOT_FIT},
	    {"To nie jest dla nas priorytet.", INTENT_NOT_FIT},
	    {"Nie mamy budżetu.", INTENT_NOT_FIT},
	    {"Mamy już rozwiązanie.", INTENT_NOT_FIT},
	    {"Nie, dziękuję.", INTENT_STOP},
	    {"Nie jestem zainteresowany.", INTENT_STOP},
	    {"Proszę się ze mną więcej nie kontaktować.", INTENT_STOP},
	    {"Proszę przestać do mnie pisać.", INTENT_STOP},
	    {"Heeft u donderdag tijd?", INTENT_INTERESTED},
	    {"Wat dacht u van volgende week?", INTENT_INTERESTED},
	    {"Stuur me een uitnodiging.", INTENT_INTERESTED},
	    {"Wat kost het?", INTENT_INTERESTED},
	    {"Ik hoor graag meer.", INTENT_INTERESTED},
	    {"Past dinsdag om 10 uur?", INTENT_INTERESTED},
	    {"Nu even niet, misschien later.", INTENT_LATER},
	    {"Neem in het tweede kwartaal weer contact op.", INTENT_LATER},
	    {"Bel me in het nieuwe jaar.", INTENT_LATER},
	    {"Na onze budgetronde.", INTENT_LATER},
	    {"We hebben voor een andere leverancier gekozen.", INTENT_NOT_FIT},
	    {"Het heeft nu geen prioriteit.", INTENT_NOT_FIT},
	    {"We hebben geen budget.", INTENT_NOT_FIT},
	    {"We hebben al een oplossing.", INTENT_NOT_FIT},
	    {"Nee, dank je.", INTENT_STOP},
	    {"Niet geïnteresseerd.", INTENT_STOP},
	    {"Neem alstublieft geen contact meer op.", INTENT_STOP},
	    {"Stop met mailen alstublieft.", INTENT_STOP},
	};
	struct classification cl;
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *body = xasprintf("Hi Dana,\n\n%s\n\nJo\n", rows[i].body);
		int ok;
		run("Re: hello", "In-Reply-To: <s@seller.example>\n", body,
		    &cl);
		ok = cl.cls == CLS_HUMAN_REPLY && cl.intent == rows[i].intent;
		if (rows[i].intent == INTENT_STOP && cl.cls == CLS_UNSUBSCRIBE)
			ok = 1;
		if (!ok) {
			print_message("row %zu \"%s\": %s/%s (%s), want %s\n",
			              i, rows[i].body,
			              classify_class_name(cl.cls),
			              classify_intent_name(cl.intent),
			              cl.intent_rule ? cl.intent_rule : "-",
			              classify_intent_name(rows[i].intent));
			bad++;
		}
		/* an interested reply must never end the lead */
		if (rows[i].intent == INTENT_INTERESTED)
			assert_true(cl.cls != CLS_UNSUBSCRIBE &&
			            cl.intent != INTENT_STOP);
		classification_free(&cl);
		free(body);
	}
	if (bad > 0)
		fail_msg("%zu of %zu unseen phrasings wrong", bad,
		         sizeof rows / sizeof rows[0]);
}

/* Later, with the time it names (the message is dated 18 Nov 2026): an
 * ordinal quarter, the new year, next year, in the nine languages. */
static void
test_later_days_unseen(void **state)
{
	static const struct {
		const char *body;
		int y, m, d;
	} rows[] = {
	    {"Let's circle back in Q2.", 2027, 4, 1},
	    {"Ping me in the new year.", 2027, 1, 1},
	    {"Melden Sie sich bitte im zweiten Quartal wieder.", 2027, 4, 1},
	    {"Kommen Sie im neuen Jahr wieder auf mich zu.", 2027, 1, 1},
	    {"Revenez vers moi au deuxième trimestre.", 2027, 4, 1},
	    {"Contácteme el año que viene.", 2027, 1, 1},
	    {"Ricontattami nel secondo trimestre.", 2027, 4, 1},
	    {"Entre em contato no ano que vem.", 2027, 1, 1},
	    {"Kontakta mig efter nyår.", 2027, 1, 1},
	    {"Proszę wrócić do mnie w drugim kwartale.", 2027, 4, 1},
	    {"Bel me in het nieuwe jaar.", 2027, 1, 1},
	};
	struct classification cl;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		run("Re: hello", "In-Reply-To: <s@seller.example>\n",
		    rows[i].body, &cl);
		if (cl.intent != INTENT_LATER ||
		    cl.intent_day !=
		        clock_day_from_civil(rows[i].y, rows[i].m, rows[i].d))
			fail_msg("\"%s\": %s day %d, want later %04d-%02d-%02d",
			         rows[i].body, classify_intent_name(cl.intent),
			         cl.intent_day, rows[i].y, rows[i].m,
			         rows[i].d);
		classification_free(&cl);
	}
}

static void
test_intent_details(void **state)
{
	struct classification cl;

	(void)state;
	/* a later with a time: the next March 1st */
	run("Re: hello", "", "Not now, but send me info in March.", &cl);
	assert_int_equal(cl.intent, INTENT_LATER);
	assert_int_equal(cl.intent_day, clock_day_from_civil(2027, 3, 1));
	classification_free(&cl);
	/* referrals: not the sender, not the salesperson; lower-cased */
	run("Re: hello", "",
	    "Talk to Maria.Lopez@Acme.example instead - cc'ing her. Or "
	    "dana@seller.example. Me: lead@acme.example",
	    &cl);
	assert_int_equal(cl.intent, INTENT_REFERRAL);
	assert_int_equal(cl.nreferrals, 1);
	assert_string_equal(cl.referrals[0], "maria.lopez@acme.example");
	classification_free(&cl);
	/* bare answers */
	run("Re: hello", "", "3", &cl);
	assert_int_equal(cl.answer, 3);
	assert_int_equal(cl.intent, INTENT_UNCLEAR);
	classification_free(&cl);
	run("Re: hello", "", "Hi Dana,\n\nOption 2\n\nThanks,\nJo", &cl);
	assert_int_equal(cl.answer, 2);
	classification_free(&cl);
	run("Re: hello", "", "#1.", &cl);
	assert_int_equal(cl.answer, 1);
	classification_free(&cl);
	run("Re: hello", "", "We have 3 depots.", &cl);
	assert_int_equal(cl.answer, 0);
	classification_free(&cl);
	assert_int_equal(cls_choice_answer("Hej!\n2.\nMvh Eva"), 2);
	assert_int_equal(cls_choice_answer("12"), 0);
}

static void
test_opt_outs(void **state)
{
	static const struct {
		const char *subject, *body;
		int cls, review;
	} rows[] = {
	    {"Re: hello", "Please remove me from your list.", CLS_UNSUBSCRIBE,
	     0},
	    {"Re: hello", "Unsubscribe", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Not interested, remove me from your list.",
	     CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Stop emailing me.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Please, don't unsubscribe me - wrong button.",
	     CLS_HUMAN_REPLY, 0},
	    {"Re: hello", "I do not want to unsubscribe, just fewer emails.",
	     CLS_HUMAN_REPLY, 0},
	    {"Re: hello", "Graag uitschrijven.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Bitte nehmen Sie mich aus dem Verteiler.",
	     CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Merci de ne plus me contacter.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Por favor, denme de baja.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Per favore cancellatemi dalla lista.",
	     CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Por favor, removam-me da lista.", CLS_UNSUBSCRIBE,
	     0},
	    {"Re: hello", "Ta bort mig från listan.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Proszę usunąć mój adres z listy.", CLS_UNSUBSCRIBE,
	     0},
	    {"Re: hello", "Verwijder mij van de lijst.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Por favor, elimínenme de su lista de correo.",
	     CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Vi prego di rimuovermi dalla vostra lista.",
	     CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Haal me alstublieft van jullie mailinglijst.",
	     CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Can you remove the setup fee from the quote?",
	     CLS_HUMAN_REPLY, 0},
	    /* polite and singular forms, one per language */
	    {"Re: hello", "Por favor no me escriba más.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Por favor não me envie mais emails.",
	     CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Non mi scriva più, grazie.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Ne m'écrivez plus, merci.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Schreiben Sie mir bitte nicht mehr.",
	     CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Stuur me geen e-mails meer.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Skicka inga fler mejl till mig.", CLS_UNSUBSCRIBE,
	     0},
	    {"Re: hello", "Proszę do mnie nie pisać.", CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Quit emailing me please", CLS_UNSUBSCRIBE, 0},
	    /* a time on it: a later, never an opt-out */
	    {"Re: hello", "Please don't email me again until March.",
	     CLS_HUMAN_REPLY, 0},
	    {"Re: hello", "Bitte kontaktieren Sie mich nicht mehr vor Februar.",
	     CLS_HUMAN_REPLY, 0},
	    {"Re: hello", "Merci de ne plus me contacter avant janvier.",
	     CLS_HUMAN_REPLY, 0},
	    {"Re: hello", "Non mi scriva più fino a marzo.", CLS_HUMAN_REPLY,
	     0},
	    /* set phrases are no time */
	    {"Re: hello", "Bitte keine Mails mehr, vor allem keine Newsletter.",
	     CLS_UNSUBSCRIBE, 0},
	    {"Re: hello", "Stuur me geen e-mails meer, tot ziens.",
	     CLS_UNSUBSCRIBE, 0},
	    /* sent elsewhere: a person to ask */
	    {"Re: hello",
	     "No me escriba más a este correo, escriba a "
	     "compras@alpenrose.example",
	     CLS_HUMAN_REPLY, 1},
	    /* not about mail to them at all */
	    {"Re: hello",
	     "Nie wysyłać faktur na ten adres, tylko na "
	     "ksiegowosc@firma.example",
	     CLS_HUMAN_REPLY, 0},
	    /* negated: a person who wants to stay */
	    {"Re: hello",
	     "Please don't remove me from your list, I'm still keen.",
	     CLS_HUMAN_REPLY, 0},
	    {"Re: hello",
	     "Surtout ne me retirez pas de votre liste, c'est toujours "
	     "d'actualité.",
	     CLS_HUMAN_REPLY, 0},
	    /* weaker wording: a reply held for review */
	    {"Re: hello", "How do I unsubscribe from the newsletter?",
	     CLS_HUMAN_REPLY, 1},
	    /* an opt-out subject over a message that says something else */
	    {"unsubscribe",
	     "Actually we would like a quote for twelve licences next week.",
	     CLS_HUMAN_REPLY, 1},
	    /* only in the quoted history or a footer: not the reply */
	    {"Re: hello",
	     "Tuesday works.\n\nOn Mon, Nov 16, 2026 at 9:00 AM Dana wrote:\n> "
	     "Please remove me from your list? Reply STOP.",
	     CLS_HUMAN_REPLY, 0},
	    {"Re: hello",
	     "Send the quote.\n\nTo unsubscribe from our newsletter, click "
	     "here and remove me from the list.",
	     CLS_HUMAN_REPLY, 0},
	};
	struct classification cl;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		run(rows[i].subject, "", rows[i].body, &cl);
		if (cl.cls != rows[i].cls || cl.review != rows[i].review ||
		    (cl.review && cl.review_why == NULL))
			fail_msg("row %zu \"%s\": %s (%s) review %d, want %s "
			         "review %d",
			         i, rows[i].body, classify_class_name(cl.cls),
			         cl.rule, cl.review,
			         classify_class_name(rows[i].cls),
			         rows[i].review);
		classification_free(&cl);
	}
}

static void
test_canned_ooo(void **state)
{
	struct classification cl;

	(void)state;
	run("Re: hello", "",
	    "Hello,\n\nI am out of the office until December 1 with limited "
	    "access to email. For urgent matters please contact "
	    "ops@acme.example.\n\nBest regards",
	    &cl);
	assert_int_equal(cl.cls, CLS_AUTO_REPLY);
	assert_int_equal(cl.return_day, clock_day_from_civil(2026, 12, 2));
	classification_free(&cl);
	/* "your mail will not be forwarded" alone; "if urgent" as the close */
	run("Re: hello", "",
	    "Ich bin ab dem 14.12. wieder im Büro. Ihre Mail wird nicht "
	    "weitergeleitet.",
	    &cl);
	assert_int_equal(cl.cls, CLS_AUTO_REPLY);
	classification_free(&cl);
	run("Re: hello", "",
	    "I am out of office, back in the office on 2026-12-09. If urgent "
	    "please contact the team.",
	    &cl);
	assert_int_equal(cl.cls, CLS_AUTO_REPLY);
	classification_free(&cl);
	/* a person back on Monday who will answer then */
	run("Re: hello", "",
	    "I'm back in the office on Monday - let's talk then. Will reply "
	    "properly when I return.",
	    &cl);
	assert_int_equal(cl.cls, CLS_HUMAN_REPLY);
	classification_free(&cl);
	run("Re: hello", "",
	    "Guten Tag,\n\nich bin bis 30.11. nicht im Büro und habe nur "
	    "eingeschränkten Zugriff auf E-Mails. In dringenden Fällen wenden "
	    "Sie sich an ops@acme.example.",
	    &cl);
	assert_int_equal(cl.cls, CLS_AUTO_REPLY);
	assert_int_equal(cl.return_day, clock_day_from_civil(2026, 12, 1));
	classification_free(&cl);
	/* stock wording, but it greets the salesperson by name */
	run("Re: hello", "",
	    "Hi Dana, I'm on leave until Monday with limited access to email - "
	    "but quickly: yes, send the quote.",
	    &cl);
	assert_int_equal(cl.cls, CLS_HUMAN_REPLY);
	classification_free(&cl);
	/* a person who mentions being away */
	run("Re: hello", "",
	    "Hi Dana, I'm out of the office until Monday but yes, does Tuesday "
	    "work?",
	    &cl);
	assert_int_equal(cl.cls, CLS_HUMAN_REPLY);
	classification_free(&cl);
	/* a stale date: -1 and review */
	run("Automatic reply: hello", "Auto-Submitted: auto-replied\n",
	    "I will be back on Monday, November 16.", &cl);
	assert_int_equal(cl.cls, CLS_AUTO_REPLY);
	assert_int_equal(cl.return_day, -1);
	assert_int_equal(cl.review, 1);
	assert_string_equal(cl.review_why, "stale return date");
	classification_free(&cl);
}

/* Canned out-of-office bodies with no auto-reply header, in the nine
 * languages and worded unlike the labelled sets; and people who mention
 * being away (they stay human replies).  Every mismatch is listed. */
static void
test_canned_ooo_unseen(void **state)
{
	static const struct {
		const char *body;
		int cls;
	} rows[] = {
	    {"Hello,\n\nI'm away on holiday until 7 December and will not be "
	     "checking email. I will answer your message when I return.\n\n"
	     "Kind regards",
	     CLS_AUTO_REPLY},
	    {"Guten Tag,\n\nvielen Dank für Ihre Nachricht. Ich bin bis "
	     "einschließlich 4. Dezember im Urlaub. Ihre E-Mail wird nicht "
	     "weitergeleitet.\n\nMit freundlichen Grüßen",
	     CLS_AUTO_REPLY},
	    {"Bonjour,\n\nJe suis en congé jusqu'au 3 décembre inclus. Je "
	     "traiterai votre message à mon retour.\n\nCordialement",
	     CLS_AUTO_REPLY},
	    {"Hola,\n\nEstoy de vacaciones hasta el 5 de diciembre. "
	     "Responderé a su mensaje a mi regreso.\n\nSaludos",
	     CLS_AUTO_REPLY},
	    {"Buongiorno,\n\nsono in ferie fino al 4 dicembre. Risponderò "
	     "al mio rientro.\n\nCordiali saluti",
	     CLS_AUTO_REPLY},
	    {"Olá,\n\nEstou de férias até 4 de dezembro. Responderei à sua "
	     "mensagem quando voltar.\n\nCumprimentos",
	     CLS_AUTO_REPLY},
	    {"Hej,\n\nJag är på semester till och med 4 december och läser "
	     "inte min e-post. Jag svarar när jag är tillbaka.\n\nMvh",
	     CLS_AUTO_REPLY},
	    {"Dzień dobry,\n\nprzebywam na urlopie do 4 grudnia. Odpowiem po "
	     "powrocie.\n\nPozdrawiam",
	     CLS_AUTO_REPLY},
	    {"Goedendag,\n\nIk ben met vakantie tot en met 4 december. Ik "
	     "beantwoord uw bericht na mijn terugkomst.\n\nMet vriendelijke "
	     "groet",
	     CLS_AUTO_REPLY},
	    /* other languages: an absence word, a date, no question */
	    {"Hej,\n\nJeg er på ferie indtil 4.12.2026 og har ikke adgang "
	     "til min mail.\n\nVenlig hilsen",
	     CLS_AUTO_REPLY},
	    {"Hyvää päivää,\n\nOlen lomalla 4.12. asti.\n\nYstävällisin "
	     "terveisin",
	     CLS_AUTO_REPLY},
	    {"Dobrý den,\n\njsem na dovolené do 4. 12. 2026.\n\nS "
	     "pozdravem",
	     CLS_AUTO_REPLY},
	    {"Merhaba,\n\n04/12/2026 tarihine kadar izindeyim.\n\n"
	     "Saygılarımla",
	     CLS_AUTO_REPLY},
	    /* ... but a question, or no date, is a person */
	    {"Hej Dana, jeg er på ferie indtil 4.12. Kan vi tale sammen "
	     "bagefter?",
	     CLS_HUMAN_REPLY},
	    {"Hej, jeg er på ferie nu, men send mig gerne et tilbud.",
	     CLS_HUMAN_REPLY},
	    /* people, not machines */
	    {"Hi Dana,\n\nI'm on holiday until 7 December - can we talk when "
	     "I'm back?\n\nJo",
	     CLS_HUMAN_REPLY},
	    {"Hallo Dana,\n\nich bin bis 4. Dezember im Urlaub, aber gerne "
	     "danach. Passt Ihnen der 8.?\n\nJo",
	     CLS_HUMAN_REPLY},
	    {"Salut Dana, je suis en congé jusqu'au 3 décembre, mais "
	     "envoyez-moi le devis, je regarde ça à mon retour.",
	     CLS_HUMAN_REPLY},
	    {"Hola Dana, estoy de vacaciones hasta el 5 pero me interesa. "
	     "¿Hablamos el martes 8?",
	     CLS_HUMAN_REPLY},
	};
	struct classification cl;
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		run("Re: hello", "", rows[i].body, &cl);
		if (cl.cls != rows[i].cls) {
			print_message("row %zu: %s (%s), want %s\n", i,
			              classify_class_name(cl.cls),
			              cl.rule ? cl.rule : "-",
			              classify_class_name(rows[i].cls));
			bad++;
		}
		classification_free(&cl);
	}
	if (bad > 0)
		fail_msg("%zu of %zu wrong", bad, sizeof rows / sizeof rows[0]);
}

static void
test_services(void **state)
{
	struct classification cl;
	static const char *ics_req =
	    "Content-Type: multipart/mixed; boundary=\"b\"\nMIME-Version: "
	    "1.0\n";
	char *body;

	(void)state;
	body = xasprintf(
	    "--b\nContent-Type: text/plain\n\nInvitation: Demo\n--b\n"
	    "Content-Type: text/calendar; method=%s\n\nBEGIN:VCALENDAR\n"
	    "METHOD:%s\nBEGIN:VEVENT\nORGANIZER;CN=Jo:mailto:%s\n"
	    "ATTENDEE;PARTSTAT=%s:mailto:%s\nEND:VEVENT\nEND:VCALENDAR\n--b--"
	    "\n",
	    "REQUEST", "REQUEST", "Lead@Acme.example", "NEEDS-ACTION",
	    "dana@seller.example");
	run("Invitation: Demo", ics_req, body, &cl);
	free(body);
	assert_int_equal(cl.cls, CLS_ENGAGEMENT);
	assert_string_equal(cl.signal, "calendar-invite");
	assert_string_equal(cl.reply_to, "lead@acme.example");
	classification_free(&cl);
	body = xasprintf(
	    "--b\nContent-Type: text/calendar; "
	    "method=REPLY\n\nBEGIN:VCALENDAR\n"
	    "METHOD:REPLY\nBEGIN:VEVENT\nORGANIZER:mailto:dana@seller."
	    "example\nATTENDEE;PARTSTAT=ACCEPTED:mailto:lead@acme.example\n"
	    "END:VEVENT\nEND:VCALENDAR\n--b--\n");
	run("Accepted: Demo", ics_req, body, &cl);
	free(body);
	assert_int_equal(cl.cls, CLS_ENGAGEMENT);
	assert_string_equal(cl.signal, "calendar-accepted");
	classification_free(&cl);
	/* a document shared by the lead, through Google Drive */
	{
		char *msg = xasprintf(
		    "From: \"Jo (via Google Drive)\" "
		    "<drive-shares-dm-noreply@google.com>\nReply-To: Jo "
		    "<jo@acme.example>\nTo: dana@seller.example\nSubject: "
		    "Document shared with you: \"Pilot plan\"\nDate: Wed, 18 "
		    "Nov 2026 09:00:00 +0000\n\nJo shared a document.\n");
		char *err = NULL;
		classify_buffer(cls, msg, strlen(msg), "UTC", &cl, &err);
		free(msg);
	}
	assert_int_equal(cl.cls, CLS_ENGAGEMENT);
	assert_string_equal(cl.signal, "document-share");
	assert_string_equal(cl.reply_to, "jo@acme.example");
	classification_free(&cl);
	/* an envelope to sign */
	{
		char *msg = xasprintf(
		    "From: \"Jo via DocuSign\" "
		    "<dse_na2@docusign.net>\nReply-To: "
		    "jo@acme.example\nTo: dana@seller.example\nSubject: Please "
		    "DocuSign: MNDA\nDate: Wed, 18 Nov 2026 09:00:00 "
		    "+0000\nAuto-Submitted: auto-generated\n\nPlease sign.\n");
		char *err = NULL;
		classify_buffer(cls, msg, strlen(msg), "UTC", &cl, &err);
		free(msg);
	}
	assert_int_equal(cl.cls, CLS_ENGAGEMENT);
	assert_string_equal(cl.signal, "esignature");
	classification_free(&cl);
	/* a ticket acknowledgement: other */
	run("[Ticket #4821] Re: hello", "X-Mailer: Zendesk Mailer\n",
	    "We have received your request.", &cl);
	assert_int_equal(cl.cls, CLS_OTHER);
	assert_string_equal(cl.signal, "ticket");
	classification_free(&cl);
	/* a person who mentions Google Drive is still a person */
	run("Re: hello", "", "I put the plan on Google Drive, shared with you.",
	    &cl);
	assert_int_equal(cl.cls, CLS_HUMAN_REPLY);
	classification_free(&cl);
}

/* a bounce without a DSN record still names the failed recipient */
/* Notifications from services the rules do not name: a person shared,
 * invited or sent something to the salesperson (engagement), in several
 * languages; automated mail from a no-reply sender or with
 * List-Unsubscribe is other.  Every mismatch is listed. */
static void
test_services_unseen(void **state)
{
	static const struct {
		const char *from, *subject, *headers;
		int cls;
	} rows[] = {
	    {"Figma <no-reply@figma.example>",
	     "Priya Shah shared \"Q3 roadmap\" with you", "", CLS_ENGAGEMENT},
	    {"Notion <notify@makenotion.example>",
	     "Priya Shah invited you to edit Pilot plan", "", CLS_ENGAGEMENT},
	    {"PandaDoc <docs@pandadoc.example>",
	     "Priya Shah sent you a document to sign", "", CLS_ENGAGEMENT},
	    {"Zoom <no-reply@zoom.example>",
	     "Priya Shah has invited you to a meeting", "", CLS_ENGAGEMENT},
	    {"WeTransfer <noreply@wetransfer.example>",
	     "Priya Shah sent you 3 files", "", CLS_ENGAGEMENT},
	    {"Miro <notifications@miro.example>",
	     "Priya Shah invited you to the board \"Pilot\"", "",
	     CLS_ENGAGEMENT},
	    {"Teams <noreply@teams.example>",
	     "Priya Shah hat Sie zu einer Besprechung eingeladen", "",
	     CLS_ENGAGEMENT},
	    {"Teams <noreply@teams.example>",
	     "Priya Shah vous a invité à une réunion", "", CLS_ENGAGEMENT},
	    {"Drive <noreply@drive.example>",
	     "Priya Shah te ha invitado a editar \"Plan\"", "", CLS_ENGAGEMENT},
	    {"Drive <noreply@drive.example>",
	     "Priya Shah heeft je uitgenodigd voor een vergadering", "",
	     CLS_ENGAGEMENT},
	    {"Acme Cloud <no-reply@acmecloud.example>",
	     "Your weekly usage summary", "", CLS_OTHER},
	    /* a person answering under such a subject writes Re: */
	    {"Jo Lead <lead@acme.example>",
	     "Re: Priya Shah has invited you to a meeting",
	     "In-Reply-To: <s@seller.example>\n", CLS_HUMAN_REPLY},
	    {"Acme Cloud <hello@acmecloud.example>", "Our December update",
	     "List-Unsubscribe: <mailto:unsub@acmecloud.example>\n", CLS_OTHER},
	};
	struct classification cl;
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *msg = xasprintf(
		    "From: %s\nTo: dana@seller.example\nSubject: %s\nDate: "
		    "Wed, 18 Nov 2026 09:00:00 +0000\n%s\nHello, this is an "
		    "automated notification.\n",
		    rows[i].from, rows[i].subject, rows[i].headers);
		char *err = NULL;
		if (classify_buffer(cls, msg, strlen(msg), "UTC", &cl, &err) !=
		    CLASSIFY_OK)
			fail_msg("classify_buffer: %s", err);
		free(msg);
		if (cl.cls != rows[i].cls) {
			print_message("row %zu \"%s\": %s (%s), want %s\n", i,
			              rows[i].subject,
			              classify_class_name(cl.cls),
			              cl.rule ? cl.rule : "-",
			              classify_class_name(rows[i].cls));
			bad++;
		}
		classification_free(&cl);
	}
	if (bad > 0)
		fail_msg("%zu of %zu wrong", bad, sizeof rows / sizeof rows[0]);
}

/* The literal prefilter (classify_rules.c): the strings read from a
 * pattern, one of which any match must contain; none where the reader is
 * unsure.  And a rule with a prefilter still matches text in capitals. */
static void
test_literal_prefilter(void **state)
{
	static const struct {
		const char *pat, *want; /* want: the strings, '|'-joined */
	} rows[] = {
	    {"/\\b(adresse|postfach) (existiert|gibt es) (bei uns )?nicht\\b/i",
	     "nicht"},
	    {"/(foo|bar)baz?/", "foo|bar"},
	    {"/abc+def/", "abc"},
	    {"/Not Here/i", "not here"},
	    {"/caf(é|e)/", "caf"},
	    {"/\\b5\\.3\\.4\\b/", "5.3.4"},
	    {"/(?m)^(user unknown|no such user)/", "user unknown|no such user"},
	    {"/(?<n>mailbox) full/", "mailbox"},
	    {"/a[bc]d/", ""},
	    {"/x(?=abcdef)y/", ""},
	    {"/(abc)?def?/", ""},
	    {"/\\Qabcdef\\E/", ""},
	    {"/(?x) abc def/", ""},
	    {"/abc def/x", ""},
	    {"/(one|two|three|four|five)/", "one|two|three|four|five"},
	    {"/(abc|d)/", ""},
	    {"/(*UTF)abcdef/", ""},
	    {"/(abcdef)\\1/", ""}, /* a back reference: not read */
	};
	struct classifier *c;
	char *text, *err = NULL, got[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		text = xasprintf("rule r other subject %s\n", rows[i].pat);
		if (classify_load_string("t", text, &c, &err) != CLASSIFY_OK)
			fail_msg("%s: %s", rows[i].pat, err);
		got[0] = '\0';
		for (j = 0; j < c->rules[0].nlits; j++) {
			if (j > 0)
				strcat(got, "|");
			strcat(got, c->rules[0].lits[j]);
		}
		if (strcmp(got, rows[i].want) != 0)
			fail_msg("%s: \"%s\", want \"%s\"", rows[i].pat, got,
			         rows[i].want);
		classify_free(c);
		free(text);
	}
	{
		struct classification cl;
		run("WE GAVE IT A TRY", "In-Reply-To: <s@seller.example>\n",
		    "WE WENT WITH ANOTHER VENDOR LAST MONTH.", &cl);
		assert_int_equal(cl.intent, INTENT_NOT_FIT);
		classification_free(&cl);
	}
}

static void
test_bounce_recipient(void **state)
{
	static const char msg[] =
	    "From: MAILER-DAEMON@mx.acme.example\nTo: dana@seller.example\n"
	    "Subject: failure notice\nDate: Wed, 18 Nov 2026 09:00:00 +0000\n"
	    "\nHi. This is the qmail-send program at mx.acme.example.\n"
	    "I'm afraid I wasn't able to deliver your message to the "
	    "following addresses.\n\n<Old.Contact@acme.example>:\n"
	    "Sorry, no mailbox here by that name. (#5.1.1)\n";
	struct classification cl;
	char *err = NULL;

	(void)state;
	assert_int_equal(
	    classify_buffer(cls, msg, sizeof msg - 1, "UTC", &cl, &err),
	    CLASSIFY_OK);
	assert_int_equal(cl.cls, CLS_BOUNCE_HARD);
	assert_string_equal(cl.failed_recipient, "old.contact@acme.example");
	classification_free(&cl);
}

static void
test_nul_byte(void **state)
{
	static const char msg[] =
	    "From: lead@acme.example\nTo: dana@seller.example\nSubject: Re: "
	    "hello\nDate: Wed, 18 Nov 2026 09:00:00 +0000\n\nHi Dana,\n\0yes, "
	    "Thursday works.\n";
	struct classification cl;
	char *err = NULL;

	(void)state;
	assert_int_equal(
	    classify_buffer(cls, msg, sizeof msg - 1, "UTC", &cl, &err),
	    CLASSIFY_OK);
	assert_int_equal(cl.cls, CLS_HUMAN_REPLY);
	assert_non_null(cl.reply_text);
	assert_non_null(strstr(cl.reply_text, "Thursday"));
	classification_free(&cl);
	/* in an HTML-only body too */
	{
		static const char html[] =
		    "From: lead@acme.example\nTo: "
		    "dana@seller.example\nSubject: "
		    "Re: hello\nDate: Wed, 18 Nov 2026 09:00:00 +0000\n"
		    "Content-Type: text/html\n\n<p>Thanks.\0</p><p>Please "
		    "remove me from your list.</p>\n";
		assert_int_equal(classify_buffer(cls, html, sizeof html - 1,
		                                 "UTC", &cl, &err),
		                 CLASSIFY_OK);
		assert_int_equal(cl.cls, CLS_UNSUBSCRIBE);
		classification_free(&cl);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intents),
	    cmocka_unit_test(test_intents_unseen),
	    cmocka_unit_test(test_later_days_unseen),
	    cmocka_unit_test(test_intent_details),
	    cmocka_unit_test(test_opt_outs),
	    cmocka_unit_test(test_canned_ooo),
	    cmocka_unit_test(test_canned_ooo_unseen),
	    cmocka_unit_test(test_services),
	    cmocka_unit_test(test_services_unseen),
	    cmocka_unit_test(test_literal_prefilter),
	    cmocka_unit_test(test_bounce_recipient),
	    cmocka_unit_test(test_nul_byte),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
