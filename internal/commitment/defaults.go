package commitment

import "github.com/plateau-cc/plateau/internal/model"

// Definition is what a commitment's figure means, in English and French,
// in internal/kpi's words.
type Definition struct {
	EN string `json:"en"`
	FR string `json:"fr"`
}

// Definitions by kind.
var Definitions = map[model.CommitmentKind]Definition{
	model.CommitServiceLevel: {
		EN: "Service level = contacts answered within Y seconds / (offered − short abandoned). Y is the commitment's threshold, or each queue's own. An abandon after the short-abandon threshold and a refused contact are failures, like an answer after Y; contacts that arrived while the queue was closed are not offered.",
		FR: "Niveau de service = contacts décrochés en Y secondes au plus / (contacts présentés − abandons courts). Y est le seuil de l'engagement, ou celui de chaque file. Un abandon après le seuil d'abandon court et un contact refusé sont des échecs, comme un décroché après Y ; les contacts arrivés file fermée ne sont pas présentés.",
	},
	model.CommitAbandonRate: {
		EN: "Abandon rate = (abandoned − short abandoned) / (offered − short abandoned). A short abandon (gone within the queue's short-abandon threshold, 5 s by default) is a misdial or a changed mind, left out.",
		FR: "Taux d'abandon = (abandons − abandons courts) / (contacts présentés − abandons courts). Un abandon court (parti avant le seuil d'abandon court de la file, 5 s par défaut) est une erreur ou un changement d'avis, non compté.",
	},
	model.CommitAnnouncedWait: {
		EN: "Announced wait respected: share of the answered contacts told an expected wait on arrival whose actual wait (arrival to answer, virtual hold included) was at most the announced wait + N seconds. Abandoned contacts are not in it, nor those told that no advisor was available.",
		FR: "Temps d'attente annoncé respecté : part des contacts décrochés à qui une attente a été annoncée à l'arrivée dont l'attente réelle (de l'arrivée au décroché, rappel compris) n'a pas dépassé l'attente annoncée + N secondes. Les abandons n'en font pas partie, ni les contacts informés qu'aucun conseiller n'était disponible.",
	},
	model.CommitCallback: {
		EN: "Callbacks made in time: share of the callbacks requested (the customer asked to be called or written back, keeping their place) in which an agent reached the customer within N of the request. A callback never made is a failure.",
		FR: "Rappels tenus : part des rappels demandés (le client a demandé à être rappelé ou recontacté par écrit, en gardant sa place) où un conseiller l'a joint dans le délai N après la demande. Un rappel jamais fait est un échec.",
	},
	model.CommitOpenHours: {
		EN: "Opening kept: share of the committed days of the month on which every queue in scope was open over the committed hours by its schedule (weekly hours and holidays, in the queue's time zone). A queue without a schedule is always open. Checked against the schedules as configured now.",
		FR: "Horaires d'ouverture tenus : part des jours engagés du mois où chaque file concernée était ouverte sur toute la plage engagée selon son calendrier (horaires hebdomadaires et jours fériés, dans le fuseau de la file). Une file sans calendrier est toujours ouverte. Vérifié sur les calendriers tels qu'ils sont configurés.",
	},
	model.CommitSatisfaction: {
		EN: "Satisfaction measured: survey response rate = responses / answered contacts, at least the target; and the mean score (1-5) of the responses at least the minimum.",
		FR: "Satisfaction mesurée : taux de réponse à l'enquête = réponses / contacts décrochés, au moins la cible ; et note moyenne (1 à 5) des réponses au moins le minimum.",
	},
	model.CommitRecordingAnnounced: {
		EN: "Recorded calls announced: share of the recorded calls whose caller heard the recording notice first. Plateau's SIP server starts a recording only once the caller heard the notice to its end, so each recording counted is an announced call; recordings are counted from the files kept (within the retention).",
		FR: "Enregistrements annoncés : part des appels enregistrés dont l'appelant a d'abord entendu l'avis d'enregistrement. Le serveur SIP de Plateau ne commence un enregistrement qu'une fois l'avis entendu jusqu'au bout : chaque enregistrement compté est un appel annoncé ; les enregistrements sont comptés sur les fichiers conservés (durée de conservation).",
	},
}

// Defaults is the default set of commitments, modelled on what NF 345
// (NF Service "Relation client") and ISO 18295-1 ask: NF 345 audits
// commitments on access to the service, taking the contact, announced
// waits, callbacks and satisfaction measurement, with levels the center
// sets; ISO 18295-1 asks for defined KPIs without levels. The levels below
// are the usual ones of the profession (assumptions; docs/commitments.md
// gives each one's source). Names and sources are in French, the demo's
// and most centers' language; both are the tenant's to edit.
func Defaults() []model.Commitment {
	return []model.Commitment{
		{Name: "80 % des appels décrochés en 20 s", Kind: model.CommitServiceLevel, TargetPct: 80, Seconds: 20, Channel: model.ChannelVoice, Position: 10,
			Source: "NF 345 : accessibilité du service (niveau fixé par le centre) ; 80/20 est le niveau usuel de la profession (hypothèse)"},
		{Name: "80 % des chats pris en 60 s", Kind: model.CommitServiceLevel, TargetPct: 80, Seconds: 60, Channel: model.ChannelChat, Position: 20,
			Source: "NF 345 couvre le web comme le téléphone ; 60 s pour un chat est une hypothèse"},
		{Name: "Taux d'abandon inférieur à 5 %", Kind: model.CommitAbandonRate, TargetPct: 5, Position: 30,
			Source: "ISO 18295-1 : indicateurs d'accès (taux d'abandon) ; 5 % est le niveau usuel de la profession (hypothèse)"},
		{Name: "Attente annoncée respectée (+30 s) pour 90 %", Kind: model.CommitAnnouncedWait, TargetPct: 90, Seconds: 30, Position: 40,
			Source: "NF 345 : temps d'attente annoncés respectés ; ISO 18295-1 : informer le client de l'attente"},
		{Name: "Rappel dans les 2 h pour 95 %", Kind: model.CommitCallback, TargetPct: 95, Seconds: 7200, Position: 50,
			Source: "NF 345 : rappel quand le client ne peut être pris tout de suite ; 2 h / 95 % est une hypothèse"},
		{Name: "Service ouvert 7/7 de 08:00 à 20:00", Kind: model.CommitOpenHours, TargetPct: 100, Opens: "08:00", Closes: "20:00", Position: 60,
			Source: "NF 345 : horaires d'ouverture publiés tenus ; 7/7 de 08:00 à 20:00 (hypothèse)"},
		{Name: "Satisfaction mesurée sur 10 % des contacts, moyenne ≥ 4", Kind: model.CommitSatisfaction, TargetPct: 10, MinScore: 4, Position: 70,
			Source: "NF 345 : mesure de la satisfaction ; ISO 18295-1 : mesurer l'expérience client ; niveaux : hypothèses"},
		{Name: "Tout appel enregistré est annoncé", Kind: model.CommitRecordingAnnounced, TargetPct: 100, Channel: model.ChannelVoice, Position: 80,
			Source: "CNIL : l'appelant est informé de l'enregistrement au préalable, avec un droit d'opposition"},
	}
}
