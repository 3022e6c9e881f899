"""The imminent-risk phrases Frontline ships with, in nine languages: the data migration
0023 loads them, and admins edit them in the app (/tickets/safety/phrases/) afterwards.

Chosen to flag first-person statements of intent and threats to life, not the words alone:
"suicide" in a report about content, "dying to try it" or "this bug is killing me" do not
flag. Matching (tickets.services.risk) ignores case, accents and punctuation, on whole words;
a word ending in * also matches longer words (German and Dutch compounds). Idioms such as
"my boss is going to kill me" are left out on purpose.

language -> (name, phrases, exceptions), one phrase a line.
"""

DEFAULTS = {
    "en": (
        "English",
        """kill myself
killing myself
end my life
ending my life
take my own life
want to die
wanna die
going to die tonight
suicidal
commit suicide
suicide note
no reason to live
better off dead
threatened to kill me
threatening to kill me
wants to kill me
i am in danger
i'm in danger
in immediate danger""",
        """suicide squad
kill myself laughing
killing myself laughing
not suicidal""",
    ),
    "es": (
        "Español",
        """quiero morir
quiero morirme
me quiero morir
me quiero matar
quiero matarme
voy a matarme
quitarme la vida
suicidarme
me voy a suicidar
acabar con mi vida
no quiero vivir
me quiere matar
estoy en peligro""",
        """escuadrón suicida""",
    ),
    "fr": (
        "Français",
        """me suicider
je veux mourir
envie de mourir
mettre fin à mes jours
mettre fin à ma vie
en finir avec la vie
je vais me tuer
plus envie de vivre
je suis suicidaire
veut me tuer
je suis en danger""",
        """pas suicidaire""",
    ),
    "de": (
        "Deutsch",
        """mich umbringen
will sterben
ich will nicht mehr leben
mir das leben nehmen
mich töten
selbstmord*
suizid*
lebensmüde
will mich umbringen
ich bin in gefahr""",
        """selbstmordkommando
suizidprävention""",
    ),
    "pt": (
        "Português",
        """quero morrer
vou me matar
quero me matar
tirar minha vida
tirar a minha vida
tirar a minha própria vida
me suicidar
acabar com a minha vida
não quero mais viver
quer me matar
estou em perigo""",
        """esquadrão suicida""",
    ),
    "it": (
        "Italiano",
        """voglio morire
uccidermi
togliermi la vita
suicidarmi
farla finita
non voglio più vivere
sono in pericolo""",
        "",
    ),
    "nl": (
        "Nederlands",
        """zelfmoord*
ik wil dood
mezelf van kant maken
ik wil niet meer leven
mezelf doden
ik ben in gevaar""",
        """zelfmoordpreventie""",
    ),
    "pl": (
        "Polski",
        """chcę umrzeć
zabić się
odebrać sobie życie
popełnić samobójstwo
samobój*
jestem w niebezpieczeństwie""",
        "",
    ),
    "tl": (
        "Filipino",
        """magpakamatay
gusto ko nang mamatay
papatayin ko ang sarili ko
wakasan ang buhay ko""",
        "",
    ),
}
