"""Name, party, committee and constituency pools for the demo data loader.

Person names are generated combinations of common given and family names and belong to no
real person; the parties are invented. Constituency names are real public geography.
"""

import random
from dataclasses import dataclass, field

__all__ = [
    "COMMITTEE_NAMES",
    "CONSTITUENCY_NAMES",
    "NAME_POOLS",
    "PARTY_POOLS",
    "NamePool",
    "PartySeed",
    "full_name",
]


@dataclass(frozen=True)
class NamePool:
    given: tuple[str, ...]
    family: tuple[str, ...]
    script: str | None = None
    lang: str | None = None
    given_native: tuple[str, ...] = ()
    family_native: tuple[str, ...] = ()
    # Only Uzbek needs this: its -ov/-ev family names take a feminine -a ending.
    feminine_given: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # A misaligned native tuple would silently pair a name with someone else's spelling.
        if (self.script is None) != (self.lang is None):
            raise ValueError("script and lang must be set together")
        if self.script is None:
            if self.given_native or self.family_native:
                raise ValueError("native names given without a script")
        elif len(self.given_native) != len(self.given) or len(self.family_native) != len(
            self.family
        ):
            raise ValueError("native names must be index-aligned with the Latin names")


@dataclass(frozen=True)
class PartySeed:
    name: str
    abbreviation: str
    in_government: bool
    weight: float


def _split(text: str) -> tuple[str, ...]:
    # Latin-only lists are packed into comma-separated strings to keep the module readable.
    return tuple(part.strip() for part in text.split(","))


def _scripted(
    script: str,
    lang: str,
    given: tuple[tuple[str, str], ...],
    family: tuple[tuple[str, str], ...],
    feminine_given: frozenset[str] = frozenset(),
) -> NamePool:
    # Names are written as (Latin, native) pairs so the two spellings cannot drift apart.
    return NamePool(
        given=tuple(latin for latin, _ in given),
        family=tuple(latin for latin, _ in family),
        script=script,
        lang=lang,
        given_native=tuple(native for _, native in given),
        family_native=tuple(native for _, native in family),
        feminine_given=feminine_given,
    )


def _feminine_surname(name: str) -> str:
    if name.endswith(("ov", "ev")):
        return name + "a"
    if name.endswith(("ов", "ев")):
        return name + "а"
    return name


_UZ_FEMININE = frozenset(
    _split(
        "Dilnoza, Nigora, Malika, Feruza, Nilufar, Zarina, Sevara, Madina, Shahnoza, Mohira, "
        "Kamola, Nodira, Dildora, Gulchehra"
    )
)

NAME_POOLS: dict[str, NamePool] = {
    "AF": _scripted(
        "Arab",
        "fa-AF",
        given=(
            ("Ahmad", "احمد"),
            ("Mohammad", "محمد"),
            ("Abdullah", "عبدالله"),
            ("Hamid", "حمید"),
            ("Karim", "کریم"),
            ("Nasir", "ناصر"),
            ("Farid", "فرید"),
            ("Jawad", "جواد"),
            ("Rahim", "رحیم"),
            ("Wahid", "وحید"),
            ("Habib", "حبیب"),
            ("Najib", "نجیب"),
            ("Khalid", "خالد"),
            ("Omar", "عمر"),
            ("Yousuf", "یوسف"),
            ("Bashir", "بشیر"),
            ("Sharif", "شریف"),
            ("Masoud", "مسعود"),
            ("Zahir", "ظاهر"),
            ("Mirwais", "میرویس"),
            ("Jamshid", "جمشید"),
            ("Fawzia", "فوزیه"),
            ("Fatima", "فاطمه"),
            ("Zahra", "زهرا"),
            ("Maryam", "مریم"),
            ("Shukria", "شکریه"),
            ("Roya", "رویا"),
            ("Laila", "لیلا"),
            ("Nargis", "نرگس"),
            ("Parwana", "پروانه"),
            ("Habiba", "حبیبه"),
            ("Farzana", "فرزانه"),
            ("Malalai", "ملالی"),
            ("Sima", "سیما"),
            ("Shabnam", "شبنم"),
            ("Hasina", "حسینه"),
            ("Nilofar", "نیلوفر"),
            ("Mina", "مینا"),
            ("Sahar", "سحر"),
        ),
        family=(
            ("Ahmadi", "احمدی"),
            ("Hakimi", "حکیمی"),
            ("Karimi", "کریمی"),
            ("Rahimi", "رحیمی"),
            ("Sultani", "سلطانی"),
            ("Noori", "نوری"),
            ("Hashimi", "هاشمی"),
            ("Rasuli", "رسولی"),
            ("Azizi", "عزیزی"),
            ("Popal", "پوپل"),
            ("Durrani", "درانی"),
            ("Popalzai", "پوپلزی"),
            ("Safi", "صافی"),
            ("Sadat", "سادات"),
            ("Amiri", "امیری"),
            ("Mohammadi", "محمدی"),
            ("Jalali", "جلالی"),
            ("Kohistani", "کوهستانی"),
            ("Momand", "مومند"),
            ("Faizi", "فیضی"),
            ("Sharifi", "شریفی"),
            ("Habibi", "حبیبی"),
            ("Samadi", "صمدی"),
            ("Qaderi", "قادری"),
            ("Akbari", "اکبری"),
            ("Nazari", "نظری"),
            ("Ghafoori", "غفوری"),
        ),
    ),
    "DJ": NamePool(
        given=_split(
            "Ahmed, Mohamed, Abdourahman, Abdi, Hassan, Ali, Houmed, Daoud, Youssouf, Moussa, "
            "Ibrahim, Idriss, Osman, Aden, Farah, Djama, Elmi, Saïd, Fatouma, Amina, Hasna, "
            "Zahra, Khadija, Aïcha, Deka, Hodan, Safia, Fardoussa, Nimo, Ayan, Asma, Hibo, "
            "Kadra, Roukia"
        ),
        family=_split(
            "Ali, Hassan, Farah, Omar, Djama, Elmi, Aden, Guedi, Ahmed, Abdillahi, Houssein, "
            "Bouh, Waïss, Miguil, Doualeh, Kayad, Barkat, Goumaneh, Dirieh, Houmed, Daher, "
            "Abdoulkader, Saïd, Bourhan, Awaleh, Dabar"
        ),
    ),
    "DO": NamePool(
        given=_split(
            "José, Juan, Luis, Carlos, Miguel, Rafael, Francisco, Ramón, Andrés, Héctor, Félix, "
            "Ángel, Alberto, Eduardo, Fernando, Ricardo, María, Ana, Rosa, Carmen, Inés, "
            "Yolanda, Milagros, Altagracia, Mercedes, Josefina, Lucía, Marisol, Patricia, "
            "Daniela, Sofía"
        ),
        family=_split(
            "Rodríguez, Pérez, Martínez, García, Sánchez, López, Díaz, Jiménez, Batista, Féliz, "
            "Rosario, Ramírez, Guzmán, Vásquez, Polanco, Almonte, Tavárez, Cruz, Mateo, Ureña, "
            "Paulino, Medina, Brito, Acosta, Peralta, Marte, Holguín"
        ),
    ),
    "TL": NamePool(
        given=_split(
            "João, José, António, Francisco, Domingos, Agostinho, Mário, Paulo, Tomás, "
            "Armindo, Joaquim, Alfredo, Lourenço, Marcos, Gaspar, Maria, Ana, Teresa, Rosa, "
            "Filomena, Isabel, Natália, Lúcia, Joana, Madalena, Ângela, Olinda, Fernanda, "
            "Rosalina, Bendita, Ermelinda"
        ),
        family=_split(
            "da Silva, dos Santos, Soares, Pereira, Ximenes, Carvalho, Barreto, Fernandes, "
            "Mendonça, Pinto, da Cruz, Correia, Alves, Gomes, Araújo, Monteiro, Ribeiro, "
            "Marques, Cabral, Sequeira, Tilman, Magno, Tavares, da Conceição, Noronha, "
            "Baptista, Babo"
        ),
    ),
    "SV": NamePool(
        given=_split(
            "José, Carlos, Juan, Mario, Óscar, Roberto, Jorge, Ricardo, Francisco, Salvador, "
            "Rafael, Rubén, Nelson, Héctor, Manuel, Guillermo, Alfredo, Ana, María, Claudia, "
            "Gabriela, Marta, Silvia, Beatriz, Sonia, Rosa, Karla, Patricia, Lorena, Jazmín, "
            "Verónica, Elena"
        ),
        family=_split(
            "Hernández, López, Martínez, García, Rodríguez, Rivera, Ramírez, Cruz, Pérez, "
            "Vásquez, Orellana, Portillo, Guevara, Aguilar, Chávez, Alvarado, Menjívar, Ayala, "
            "Argueta, Quintanilla, Sorto, Henríquez, Mendoza, Campos, Villalta, Rosales"
        ),
    ),
    "GM": NamePool(
        given=_split(
            "Lamin, Ousman, Modou, Ebrima, Momodou, Alieu, Abdoulie, Saikou, Bakary, Musa, "
            "Yankuba, Kebba, Malick, Babucarr, Sheriff, Ansumana, Buba, Fatou, Mariama, Awa, "
            "Haddy, Binta, Kaddy, Nyima, Sainabou, Jainaba, Ndey, Oumie, Amie, Ramatoulie, Kumba"
        ),
        family=_split(
            "Jallow, Ceesay, Sanneh, Jatta, Bah, Jobe, Njie, Sowe, Camara, Drammeh, Fofana, "
            "Saidy, Colley, Faal, Secka, Marong, Gaye, Kinteh, Sarr, Kujabi, Badjie, Conteh, "
            "Sanyang, Cham, Gassama, Suwareh, Bittaye, Fatty"
        ),
    ),
    "HN": NamePool(
        given=_split(
            "José, Juan, Carlos, Luis, Jorge, Mario, Marco, Óscar, Roberto, Francisco, Héctor, "
            "Santos, Mauricio, Wilmer, Edwin, Nelson, Rigoberto, María, Ana, Gloria, Suyapa, "
            "Karla, Iris, Lourdes, Rosa, Dilcia, Sonia, Gabriela, Norma, Claudia, Reina"
        ),
        family=_split(
            "López, Hernández, Martínez, Rodríguez, García, Reyes, Mejía, Ramos, Cruz, Ortiz, "
            "Sierra, Maradiaga, Bonilla, Cáceres, Banegas, Padilla, Murillo, Pineda, "
            "Valladares, Aguilar, Bustillo, Alvarado, Oseguera, Paz, Rivera, Andino, Zúñiga"
        ),
    ),
    "IN": _scripted(
        "Deva",
        "hi",
        given=(
            ("Rajesh", "राजेश"),
            ("Suresh", "सुरेश"),
            ("Ramesh", "रमेश"),
            ("Amit", "अमित"),
            ("Sanjay", "संजय"),
            ("Sunil", "सुनील"),
            ("Rahul", "राहुल"),
            ("Ashok", "अशोक"),
            ("Vikram", "विक्रम"),
            ("Ravi", "रवि"),
            ("Alok", "आलोक"),
            ("Prakash", "प्रकाश"),
            ("Gaurav", "गौरव"),
            ("Mukesh", "मुकेश"),
            ("Naveen", "नवीन"),
            ("Sandeep", "संदीप"),
            ("Vivek", "विवेक"),
            ("Rajiv", "राजीव"),
            ("Nikhil", "निखिल"),
            ("Tarun", "तरुण"),
            ("Priya", "प्रिया"),
            ("Sunita", "सुनीता"),
            ("Anita", "अनीता"),
            ("Kavita", "कविता"),
            ("Neha", "नेहा"),
            ("Pooja", "पूजा"),
            ("Meena", "मीना"),
            ("Asha", "आशा"),
            ("Geeta", "गीता"),
            ("Lakshmi", "लक्ष्मी"),
            ("Anjali", "अंजलि"),
            ("Divya", "दिव्या"),
            ("Shalini", "शालिनी"),
            ("Savita", "सविता"),
            ("Usha", "उषा"),
            ("Nirmala", "निर्मला"),
        ),
        family=(
            ("Sharma", "शर्मा"),
            ("Verma", "वर्मा"),
            ("Gupta", "गुप्ता"),
            ("Patel", "पटेल"),
            ("Yadav", "यादव"),
            ("Mishra", "मिश्रा"),
            ("Tiwari", "तिवारी"),
            ("Joshi", "जोशी"),
            ("Agarwal", "अग्रवाल"),
            ("Chauhan", "चौहान"),
            ("Reddy", "रेड्डी"),
            ("Nair", "नायर"),
            ("Iyer", "अय्यर"),
            ("Rao", "राव"),
            ("Banerjee", "बनर्जी"),
            ("Mukherjee", "मुखर्जी"),
            ("Chatterjee", "चटर्जी"),
            ("Jain", "जैन"),
            ("Saxena", "सक्सेना"),
            ("Srivastava", "श्रीवास्तव"),
            ("Kulkarni", "कुलकर्णी"),
            ("Pillai", "पिल्लई"),
            ("Dubey", "दुबे"),
            ("Chaudhary", "चौधरी"),
            ("Malhotra", "मल्होत्रा"),
            ("Bhatia", "भाटिया"),
            ("Sinha", "सिन्हा"),
        ),
    ),
    "IL": _scripted(
        "Hebr",
        "he",
        given=(
            ("David", "דוד"),
            ("Moshe", "משה"),
            ("Yosef", "יוסף"),
            ("Yaakov", "יעקב"),
            ("Daniel", "דניאל"),
            ("Michael", "מיכאל"),
            ("Ariel", "אריאל"),
            ("Yonatan", "יונתן"),
            ("Eitan", "איתן"),
            ("Noam", "נועם"),
            ("Omer", "עומר"),
            ("Amir", "אמיר"),
            ("Itai", "איתי"),
            ("Uri", "אורי"),
            ("Gil", "גיל"),
            ("Ronen", "רונן"),
            ("Yoav", "יואב"),
            ("Sarah", "שרה"),
            ("Rachel", "רחל"),
            ("Miriam", "מרים"),
            ("Tamar", "תמר"),
            ("Noa", "נועה"),
            ("Michal", "מיכל"),
            ("Yael", "יעל"),
            ("Shira", "שירה"),
            ("Maya", "מאיה"),
            ("Hila", "הילה"),
            ("Orly", "אורלי"),
            ("Ayelet", "איילת"),
            ("Dana", "דנה"),
            ("Einat", "עינת"),
            ("Keren", "קרן"),
            ("Limor", "לימור"),
            ("Osnat", "אסנת"),
        ),
        family=(
            ("Cohen", "כהן"),
            ("Mizrahi", "מזרחי"),
            ("Dahan", "דהן"),
            ("Avraham", "אברהם"),
            ("Malka", "מלכה"),
            ("Yosef", "יוסף"),
            ("Hadad", "חדד"),
            ("Segal", "סגל"),
            ("Shalom", "שלום"),
            ("Vaknin", "ועקנין"),
            ("Rosenberg", "רוזנברג"),
            ("Goldberg", "גולדברג"),
            ("Klein", "קליין"),
            ("Sasson", "ששון"),
            ("Tal", "טל"),
            ("Baruch", "ברוך"),
            ("Halevi", "הלוי"),
            ("Alon", "אלון"),
            ("Carmeli", "כרמלי"),
            ("Elbaz", "אלבז"),
            ("Peleg", "פלג"),
            ("Ashkenazi", "אשכנזי"),
            ("Sharabi", "שרעבי"),
            ("Ohayon", "אוחיון"),
            ("Levinson", "לוינסון"),
            ("Harel", "הראל"),
            ("Dror", "דרור"),
        ),
    ),
    "MH": NamePool(
        given=_split(
            "John, Daniel, Peter, Samuel, Joseph, Henry, Benjamin, Kenneth, Alvin, Joel, "
            "Ronald, Dennis, Frank, Jimmy, Eric, Ricky, Steven, Mary, Grace, Ruth, Esther, "
            "Lisa, Marie, Dorothy, Jane, Carol, Rose, Linda, Emma, Helen, Julia, Irene, Nancy"
        ),
        family=_split(
            "Bien, Capelle, Hacker, Jibas, Langidrik, Langinbelik, Lemari, Milne, Jetnil, "
            "Kijiner, Balos, Lanki, Keju, Lojkar, Ishoda, Zackhras, Loeak, Riklon, Lakjohn, "
            "Kaneko, Muller, Yamamura, Alik, Ading, Kramer, Tibon"
        ),
    ),
    "MR": _scripted(
        "Arab",
        "ar",
        given=(
            ("Mohamed", "محمد"),
            ("Ahmed", "أحمد"),
            ("Sidi", "سيدي"),
            ("Moussa", "موسى"),
            ("Brahim", "إبراهيم"),
            ("Abdallahi", "عبد الله"),
            ("Isselmou", "إسلمو"),
            ("Yahya", "يحيى"),
            ("Mokhtar", "المختار"),
            ("Oumar", "عمر"),
            ("Khalil", "خليل"),
            ("Salem", "سالم"),
            ("Hamadi", "حمادي"),
            ("Mohamedou", "محمدو"),
            ("Ahmedou", "أحمدو"),
            ("Baba", "بابا"),
            ("Lemine", "الأمين"),
            ("Fatma", "فاطمة"),
            ("Aïcha", "عائشة"),
            ("Mariem", "مريم"),
            ("Khadija", "خديجة"),
            ("Zeinab", "زينب"),
            ("Lalla", "لالة"),
            ("Amina", "أمينة"),
            ("Salka", "سالكة"),
            ("Hawa", "حواء"),
            ("Mouna", "منى"),
            ("Selma", "سلمى"),
            ("Leila", "ليلى"),
            ("Mahjouba", "محجوبة"),
        ),
        # Pulaar and Soninke family names sit alongside Hassaniya ones, as in the real roll.
        family=(
            ("Ahmed", "أحمد"),
            ("Salem", "سالم"),
            ("Messaoud", "مسعود"),
            ("Boubacar", "بوبكر"),
            ("Taleb", "طالب"),
            ("Cheikh", "الشيخ"),
            ("Yahya", "يحيى"),
            ("Mahmoud", "محمود"),
            ("Brahim", "إبراهيم"),
            ("Lemrabott", "المرابط"),
            ("Hamdi", "حمدي"),
            ("Bekaye", "البكاي"),
            ("Sidiya", "سيديا"),
            ("Sidi", "سيدي"),
            ("Sidati", "سيداتي"),
            ("Mahfoudh", "محفوظ"),
            ("Jiddou", "جدو"),
            ("Ethmane", "عثمان"),
            ("Horma", "حرمة"),
            ("Tolba", "طلبة"),
            ("Ba", "با"),
            ("Sy", "سي"),
            ("Kane", "كان"),
            ("Diallo", "جالو"),
            ("Sow", "صو"),
            ("Camara", "كمارا"),
        ),
    ),
    "FM": NamePool(
        given=_split(
            "John, Peter, Joseph, Paul, Mark, Johnny, Alfred, Kenneth, Steven, Patrick, "
            "Marcus, Andrew, Leon, Francis, Benny, Hubert, Mary, Maria, Rose, Martha, Lisa, "
            "Grace, Josephine, Margaret, Lucy, Anna, Judy, Joanna, Kathy, Rosalinda, Dorothy"
        ),
        family=_split(
            "Sigrah, Palik, Skilling, Jackson, Nena, Aisek, Tilfas, Hadley, Ioanis, Perman, "
            "Etscheit, Hebel, Gallen, Ludwig, Moses, Santos, Rayphand, Saimon, Likiche, Tamag, "
            "Ruepong, Gilmar, Fillmed, Killion, Phillip, Walter, Albert"
        ),
    ),
    "NP": _scripted(
        "Deva",
        "ne",
        given=(
            ("Ram", "राम"),
            ("Hari", "हरि"),
            ("Krishna", "कृष्ण"),
            ("Bishnu", "विष्णु"),
            ("Gopal", "गोपाल"),
            ("Prakash", "प्रकाश"),
            ("Madhav", "माधव"),
            ("Rajendra", "राजेन्द्र"),
            ("Bhim", "भीम"),
            ("Dipak", "दीपक"),
            ("Santosh", "सन्तोष"),
            ("Suman", "सुमन"),
            ("Raju", "राजु"),
            ("Bikash", "विकास"),
            ("Dinesh", "दिनेश"),
            ("Ganesh", "गणेश"),
            ("Arjun", "अर्जुन"),
            ("Sita", "सीता"),
            ("Gita", "गीता"),
            ("Laxmi", "लक्ष्मी"),
            ("Sarita", "सरिता"),
            ("Kamala", "कमला"),
            ("Radha", "राधा"),
            ("Parvati", "पार्वती"),
            ("Anita", "अनिता"),
            ("Sabitri", "सावित्री"),
            ("Rita", "रीता"),
            ("Sunita", "सुनिता"),
            ("Pramila", "प्रमिला"),
            ("Srijana", "सृजना"),
            ("Asmita", "अस्मिता"),
        ),
        family=(
            ("Sharma", "शर्मा"),
            ("Shrestha", "श्रेष्ठ"),
            ("Thapa", "थापा"),
            ("Gurung", "गुरुङ"),
            ("Tamang", "तामाङ"),
            ("Rai", "राई"),
            ("Limbu", "लिम्बू"),
            ("Magar", "मगर"),
            ("Adhikari", "अधिकारी"),
            ("Koirala", "कोइराला"),
            ("Bhandari", "भण्डारी"),
            ("Karki", "कार्की"),
            ("Basnet", "बस्नेत"),
            ("Bhattarai", "भट्टराई"),
            ("Ghimire", "घिमिरे"),
            ("Aryal", "अर्याल"),
            ("Joshi", "जोशी"),
            ("Maharjan", "महर्जन"),
            ("Yadav", "यादव"),
            ("Chaudhary", "चौधरी"),
            ("Tharu", "थारू"),
            ("Subedi", "सुवेदी"),
            ("Acharya", "आचार्य"),
            ("Neupane", "न्यौपाने"),
            ("Khatiwada", "खतिवडा"),
            ("Pokharel", "पोखरेल"),
            ("Regmi", "रेग्मी"),
            ("Lamichhane", "लामिछाने"),
        ),
    ),
    "PW": NamePool(
        given=_split(
            "John, Peter, Joseph, Steven, Billy, Victor, Alan, Kevin, Frank, Jerry, Sabino, "
            "Florencio, Masao, Hiroshi, Kazuo, Isao, Mary, Grace, Carmen, Rosa, Ann, Sandra, "
            "Emma, Lisa, Christina, Melinda, Yoshie, Akiko, Sachiko, Helen, Margaret, Regina, "
            "Josephine"
        ),
        family=_split(
            "Tellei, Rechebei, Ngiraked, Ngirmang, Ngiraingas, Tmetuchl, Sugiyama, Kesolei, "
            "Temengil, Rengiil, Blailes, Basilius, Oiterong, Olkeriil, Masang, Kyota, Mariur, "
            "Kloulechad, Ngirchechol, Adelbai, Besebes, Tarkong, Sumang, Udui, Rechucher, "
            "Mesubed"
        ),
    ),
    "RO": NamePool(
        given=_split(
            "Andrei, Alexandru, Ștefan, Mihai, Ion, Mircea, Vasile, Constantin, Adrian, "
            "Cristian, Florin, Bogdan, Răzvan, Radu, Tudor, Dragoș, Cătălin, Sorin, Ionuț, "
            "Marius, Ovidiu, Lucian, Maria, Elena, Ioana, Andreea, Mădălina, Cristina, "
            "Alexandra, Ana, Gabriela, Mihaela, Roxana, Alina, Irina, Simona, Corina, Ramona, "
            "Anca, Oana, Larisa, Diana, Raluca, Iulia"
        ),
        family=_split(
            "Popescu, Ionescu, Popa, Pop, Radu, Dumitru, Stoica, Gheorghe, Matei, Ciobanu, "
            "Constantin, Munteanu, Rusu, Lazăr, Florea, Dinu, Marin, Mocanu, Nistor, Moldovan, "
            "Ene, Dobre, Diaconu, Niculescu, Toma, Stănescu, Bălan, Sârbu, Țurcanu, Șerban, "
            "Stoian"
        ),
    ),
    "SL": NamePool(
        given=_split(
            "Mohamed, Abu, Alusine, Sahr, Foday, Musa, Abdul, Amadu, Osman, Sorie, Samuel, "
            "Emmanuel, Augustine, Francis, Lamina, Tamba, Fatmata, Aminata, Isatu, Mariama, "
            "Kadiatu, Hawa, Mabinty, Adama, Fanta, Hannah, Christiana, Memunatu, Yeabu, "
            "Jeneba, Salamatu"
        ),
        family=_split(
            "Kamara, Sesay, Conteh, Koroma, Bangura, Turay, Kargbo, Mansaray, Jalloh, Bah, "
            "Kanu, Fofanah, Barrie, Kallon, Sandi, Lahai, Massaquoi, Tucker, Dumbuya, Fornah, "
            "Samura, Sannoh, Gbla, Lansana, Jusu, Brima, Kamanda"
        ),
    ),
    # Sinhala names only: Tamil names written in Sinhala script would misrepresent them.
    "LK": _scripted(
        "Sinh",
        "si",
        given=(
            ("Nimal", "නිමල්"),
            ("Kamal", "කමල්"),
            ("Saman", "සමන්"),
            ("Chaminda", "චමින්ද"),
            ("Ruwan", "රුවන්"),
            ("Nuwan", "නුවන්"),
            ("Kasun", "කසුන්"),
            ("Dilshan", "දිල්ෂාන්"),
            ("Asanka", "අසංක"),
            ("Sampath", "සම්පත්"),
            ("Gamini", "ගාමිණී"),
            ("Wimal", "විමල්"),
            ("Susil", "සුසිල්"),
            ("Sarath", "සරත්"),
            ("Chandana", "චන්දන"),
            ("Lasantha", "ලසන්ත"),
            ("Nalin", "නලින්"),
            ("Janaka", "ජනක"),
            ("Thilak", "තිලක්"),
            ("Lalith", "ලලිත්"),
            ("Kumari", "කුමාරි"),
            ("Nirmala", "නිර්මලා"),
            ("Dilani", "දිලානි"),
            ("Sanduni", "සඳුනි"),
            ("Nadeesha", "නදීෂා"),
            ("Anoma", "අනෝමා"),
            ("Shanthi", "ශාන්ති"),
            ("Malini", "මාලිනී"),
            ("Ishara", "ඉෂාරා"),
            ("Kumudini", "කුමුදිනී"),
            ("Chathurika", "චතුරිකා"),
            ("Harini", "හරිණි"),
            ("Rohini", "රෝහිණී"),
            ("Sewwandi", "සෙව්වන්දි"),
            ("Hasini", "හසිනි"),
            ("Sachini", "සචිනි"),
            ("Iresha", "ඉරේෂා"),
        ),
        family=(
            ("Perera", "පෙරේරා"),
            ("Silva", "සිල්වා"),
            ("Jayasinghe", "ජයසිංහ"),
            ("Gunawardena", "ගුණවර්ධන"),
            ("Senanayake", "සේනානායක"),
            ("Ratnayake", "රත්නායක"),
            ("Herath", "හේරත්"),
            ("Wijesinghe", "විජේසිංහ"),
            ("Karunaratne", "කරුණාරත්න"),
            ("Weerasinghe", "වීරසිංහ"),
            ("Samarasinghe", "සමරසිංහ"),
            ("Ranasinghe", "රණසිංහ"),
            ("Amarasinghe", "අමරසිංහ"),
            ("Gunasekara", "ගුණසේකර"),
            ("Liyanage", "ලියනගේ"),
            ("Hettiarachchi", "හෙට්ටිආරච්චි"),
            ("Abeysekera", "අබේසේකර"),
            ("Seneviratne", "සෙනෙවිරත්න"),
            ("Ekanayake", "ඒකනායක"),
            ("Jayasuriya", "ජයසූරිය"),
            ("Mendis", "මෙන්ඩිස්"),
            ("Pathirana", "පතිරණ"),
            ("Dias", "ඩයස්"),
            ("Kumarasinghe", "කුමාරසිංහ"),
            ("Attanayake", "අත්තනායක"),
            ("Weerakoon", "වීරකෝන්"),
            ("Munasinghe", "මුණසිංහ"),
        ),
    ),
    # Tajik spelling (ҳ, ӣ, ӯ, ҷ), not Russian; -zoda and -ī surnames do not inflect for gender.
    "TJ": _scripted(
        "Cyrl",
        "tg",
        given=(
            ("Farhod", "Фарҳод"),
            ("Rustam", "Рустам"),
            ("Jamshed", "Ҷамшед"),
            ("Davron", "Даврон"),
            ("Firuz", "Фирӯз"),
            ("Bahrom", "Баҳром"),
            ("Sharif", "Шариф"),
            ("Nurali", "Нуралӣ"),
            ("Saidali", "Саидалӣ"),
            ("Zafar", "Зафар"),
            ("Khurshed", "Хуршед"),
            ("Umed", "Умед"),
            ("Anvar", "Анвар"),
            ("Abdullo", "Абдулло"),
            ("Parviz", "Парвиз"),
            ("Faridun", "Фаридун"),
            ("Suhrob", "Суҳроб"),
            ("Ismoil", "Исмоил"),
            ("Manuchehr", "Манучеҳр"),
            ("Dilshod", "Дилшод"),
            ("Karim", "Карим"),
            ("Zarina", "Зарина"),
            ("Nigina", "Нигина"),
            ("Malika", "Малика"),
            ("Gulnora", "Гулнора"),
            ("Dilnoza", "Дилноза"),
            ("Shahnoza", "Шаҳноза"),
            ("Mehrangez", "Меҳрангез"),
            ("Firuza", "Фирӯза"),
            ("Madina", "Мадина"),
            ("Sitora", "Ситора"),
            ("Zebo", "Зебо"),
            ("Manizha", "Манижа"),
            ("Farangis", "Фарангис"),
            ("Tahmina", "Таҳмина"),
            ("Parvina", "Парвина"),
            ("Nilufar", "Нилуфар"),
            ("Mavluda", "Мавлуда"),
            ("Gulchehra", "Гулчеҳра"),
            ("Munira", "Мунира"),
        ),
        family=(
            ("Rahimzoda", "Раҳимзода"),
            ("Karimzoda", "Каримзода"),
            ("Nazarzoda", "Назарзода"),
            ("Safarzoda", "Сафарзода"),
            ("Sharifzoda", "Шарифзода"),
            ("Saidzoda", "Саидзода"),
            ("Nurzoda", "Нурзода"),
            ("Qurbonzoda", "Қурбонзода"),
            ("Davlatzoda", "Давлатзода"),
            ("Hakimzoda", "Ҳакимзода"),
            ("Mirzozoda", "Мирзозода"),
            ("Rustamzoda", "Рустамзода"),
            ("Tursunzoda", "Турсунзода"),
            ("Yusufzoda", "Юсуфзода"),
            ("Ismoilzoda", "Исмоилзода"),
            ("Azizzoda", "Азиззода"),
            ("Jalolzoda", "Ҷалолзода"),
            ("Amirzoda", "Амирзода"),
            ("Sultonzoda", "Султонзода"),
            ("Ashurzoda", "Ашурзода"),
            ("Olimzoda", "Олимзода"),
            ("Ghafurzoda", "Ғафурзода"),
            ("Mahmadzoda", "Маҳмадзода"),
            ("Latifi", "Латифӣ"),
            ("Hakimi", "Ҳакимӣ"),
            ("Nazari", "Назарӣ"),
            ("Samadi", "Самадӣ"),
            ("Sharifi", "Шарифӣ"),
        ),
    ),
    # Latin side follows the official Uzbek alphabet (x, q, oʻ, gʻ), not Russian transliteration.
    "UZ": _scripted(
        "Cyrl",
        "uz-Cyrl",
        given=(
            ("Aziz", "Азиз"),
            ("Bekzod", "Бекзод"),
            ("Sardor", "Сардор"),
            ("Jasur", "Жасур"),
            ("Sherzod", "Шерзод"),
            ("Rustam", "Рустам"),
            ("Jahongir", "Жаҳонгир"),
            ("Bobur", "Бобур"),
            ("Ulugʻbek", "Улуғбек"),
            ("Doniyor", "Дониёр"),
            ("Farrux", "Фаррух"),
            ("Akmal", "Акмал"),
            ("Ravshan", "Равшан"),
            ("Botir", "Ботир"),
            ("Anvar", "Анвар"),
            ("Dilshod", "Дилшод"),
            ("Nodir", "Нодир"),
            ("Sanjar", "Санжар"),
            ("Temur", "Темур"),
            ("Oybek", "Ойбек"),
            ("Javlon", "Жавлон"),
            ("Shohrux", "Шоҳрух"),
            ("Dilnoza", "Дилноза"),
            ("Nigora", "Нигора"),
            ("Malika", "Малика"),
            ("Feruza", "Феруза"),
            ("Nilufar", "Нилуфар"),
            ("Zarina", "Зарина"),
            ("Sevara", "Севара"),
            ("Madina", "Мадина"),
            ("Shahnoza", "Шаҳноза"),
            ("Mohira", "Моҳира"),
            ("Kamola", "Камола"),
            ("Nodira", "Нодира"),
            ("Dildora", "Дилдора"),
            ("Gulchehra", "Гулчеҳра"),
        ),
        family=(
            ("Rahimov", "Раҳимов"),
            ("Yusupov", "Юсупов"),
            ("Abdullayev", "Абдуллаев"),
            ("Tursunov", "Турсунов"),
            ("Ismoilov", "Исмоилов"),
            ("Aliyev", "Алиев"),
            ("Nazarov", "Назаров"),
            ("Sultonov", "Султонов"),
            ("Xolmatov", "Холматов"),
            ("Ergashev", "Эргашев"),
            ("Mirzayev", "Мирзаев"),
            ("Qodirov", "Қодиров"),
            ("Usmonov", "Усмонов"),
            ("Rahmonov", "Раҳмонов"),
            ("Hasanov", "Ҳасанов"),
            ("Yoʻldoshev", "Йўлдошев"),
            ("Toshmatov", "Тошматов"),
            ("Joʻrayev", "Жўраев"),
            ("Mahmudov", "Маҳмудов"),
            ("Sobirov", "Собиров"),
            ("Qosimov", "Қосимов"),
            ("Normatov", "Норматов"),
            ("Ahmedov", "Аҳмедов"),
            ("Fayzullayev", "Файзуллаев"),
            ("Rasulov", "Расулов"),
            ("Nurmatov", "Нурматов"),
            ("Boboyev", "Бобоев"),
            ("Xudoyberdiyev", "Худойбердиев"),
        ),
        feminine_given=_UZ_FEMININE,
    ),
}


def _independent(weight: float) -> PartySeed:
    return PartySeed("Independent", "IND", False, weight)


# Deliberately invented names; none is meant to stand for a real party.
PARTY_POOLS: dict[str, tuple[PartySeed, ...]] = {
    # No sitting legislature since 2021; kept only so every state has the same shape of data.
    "AF": (
        PartySeed("Civic Reconstruction Party", "CRP", True, 0.40),
        PartySeed("Alliance for the Rule of Law", "ARL", True, 0.24),
        PartySeed("Rural Development Movement", "RDM", False, 0.28),
        _independent(0.08),
    ),
    "DJ": (
        PartySeed("Union pour le Renouveau Civique", "URC", True, 0.58),
        PartySeed("Alliance Démocratique du Golfe", "ADG", True, 0.17),
        PartySeed("Mouvement des Citoyens de la Corne", "MCC", False, 0.15),
        PartySeed("Parti Républicain de l'Avenir", "PRA", False, 0.10),
    ),
    "DO": (
        PartySeed("Movimiento Cívico Quisqueyano", "MCQ", True, 0.45),
        PartySeed("Alianza Ciudadana del Cibao", "ACC", True, 0.12),
        PartySeed("Foro Republicano Insular", "FRI", False, 0.30),
        PartySeed("Convergencia Social Antillana", "CSA", False, 0.13),
    ),
    "TL": (
        PartySeed("Aliansa Sidadaun Lorosa'e", "ASL", True, 0.36),
        PartySeed("Movimentu Foinsa'e ba Futuru", "MFF", True, 0.14),
        PartySeed("Uniaun Rekonstrusaun Nasionál", "URN", False, 0.32),
        PartySeed("Partidu Progresu Munisipál", "PPM", False, 0.18),
    ),
    "SV": (
        PartySeed("Movimiento Renovación Cuscatleca", "MRC", True, 0.62),
        PartySeed("Alianza Progresista de Occidente", "APO", True, 0.08),
        PartySeed("Frente Cívico del Pacífico", "FCP", False, 0.18),
        PartySeed("Unión Ciudadana Salvadoreña", "UCS", False, 0.12),
    ),
    "GM": (
        PartySeed("Gambia River Alliance", "GRA", True, 0.40),
        PartySeed("People's Reform Assembly", "PRA", True, 0.14),
        PartySeed("Coalition for Civic Renewal", "CCR", False, 0.28),
        PartySeed("Citizens' Progress Movement", "CPM", False, 0.11),
        _independent(0.07),
    ),
    "HN": (
        PartySeed("Convergencia Cívica Hondureña", "CCH", True, 0.40),
        PartySeed("Unión Progresista del Valle", "UPV", True, 0.08),
        PartySeed("Movimiento Renovación Ciudadana", "MRC", False, 0.32),
        PartySeed("Alianza Democrática del Caribe", "ADC", False, 0.20),
    ),
    "IN": (
        PartySeed("Lok Samvad Party", "LSP", True, 0.44),
        PartySeed("Nagrik Pragati Morcha", "NPM", True, 0.08),
        PartySeed("Federal Reform Alliance", "FRA", False, 0.30),
        PartySeed("Dakshin Jan Sangam", "DJS", False, 0.13),
        _independent(0.05),
    ),
    "IL": (
        PartySeed("Civic Covenant", "CC", True, 0.30),
        PartySeed("Tradition and Renewal", "TR", True, 0.20),
        PartySeed("Negev Development List", "NDL", True, 0.10),
        PartySeed("Coastal Liberal Alliance", "CLA", False, 0.22),
        PartySeed("Northern Equality List", "NEL", False, 0.18),
    ),
    # The Nitijela and the two legislatures below are non-partisan in practice; these
    # stand in for the informal blocs that form around the leadership votes.
    "MH": (
        PartySeed("Atoll Unity Caucus", "AUC", True, 0.42),
        PartySeed("Outer Islands Coalition", "OIC", True, 0.18),
        PartySeed("Lagoon Reform Group", "LRG", False, 0.30),
        _independent(0.10),
    ),
    "MR": (
        PartySeed("Convergence Civique Mauritanienne", "CCM", True, 0.55),
        PartySeed("Rassemblement des Oasis et du Fleuve", "ROF", True, 0.15),
        PartySeed("Mouvement pour l'Équité Sociale", "MES", False, 0.18),
        PartySeed("Alliance Progressiste du Sahel", "APS", False, 0.12),
    ),
    "FM": (
        PartySeed("Island Unity Caucus", "IUC", True, 0.45),
        PartySeed("Ocean Stewardship Bloc", "OSB", True, 0.15),
        PartySeed("Compact Reform Group", "CRG", False, 0.30),
        _independent(0.10),
    ),
    "NP": (
        PartySeed("Himali Loktantrik Morcha", "HLM", True, 0.34),
        PartySeed("Nagarik Samvad Party", "NSP", True, 0.22),
        PartySeed("Tarai Pragati Manch", "TPM", False, 0.24),
        PartySeed("Sanghiya Sudhar Dal", "SSD", False, 0.15),
        _independent(0.05),
    ),
    "PW": (
        PartySeed("Rock Islands Coalition", "RIC", True, 0.40),
        PartySeed("Island Heritage Bloc", "IHB", True, 0.20),
        PartySeed("Palau Civic Forum", "PCF", False, 0.30),
        _independent(0.10),
    ),
    "RO": (
        PartySeed("Mișcarea Cetățenească Dunăreană", "MCD", True, 0.33),
        PartySeed("Alianța pentru Reformă și Solidaritate", "ARS", True, 0.24),
        PartySeed("Forumul Liberal Carpatic", "FLC", False, 0.22),
        PartySeed("Uniunea Tinerilor Reformiști", "UTR", False, 0.16),
        _independent(0.05),
    ),
    "SL": (
        PartySeed("Sierra Unity Congress", "SUC", True, 0.48),
        PartySeed("People's Progress Movement", "PPM", False, 0.34),
        PartySeed("Alliance for Rural Progress", "ARP", False, 0.12),
        _independent(0.06),
    ),
    "LK": (
        PartySeed("Lanka Civic Alliance", "LCA", True, 0.55),
        PartySeed("Lanka Rural Development Front", "LRDF", True, 0.08),
        PartySeed("People's Renewal Congress", "PRC", False, 0.20),
        PartySeed("Island Progressive Forum", "IPF", False, 0.12),
        _independent(0.05),
    ),
    "TJ": (
        PartySeed("Civic Development Party", "CDP", True, 0.62),
        PartySeed("Union of Farmers and Artisans", "UFA", True, 0.14),
        PartySeed("Party of Labour and Progress", "PLP", False, 0.13),
        PartySeed("Mountain Regions Union", "MRU", False, 0.11),
    ),
    "UZ": (
        PartySeed("Civic Progress Party", "CPP", True, 0.36),
        PartySeed("Union for Social Harmony", "USH", True, 0.26),
        PartySeed("Party of Regional Development", "PRD", False, 0.22),
        PartySeed("Labour and Heritage Party", "LHP", False, 0.16),
    ),
}

# Callers take a prefix of this tuple for small chambers, so the core focuses come first.
# Focus keys must stay within foreign_affairs / legal / defence / human_rights / other.
COMMITTEE_NAMES: tuple[tuple[str, str], ...] = (
    ("Foreign Affairs Committee", "foreign_affairs"),
    ("Legal Affairs and Human Rights Committee", "legal"),
    ("Human Rights Committee", "human_rights"),
    ("Defence and Security Committee", "defence"),
    ("Budget and Finance Committee", "other"),
    ("Justice and Constitutional Affairs Committee", "legal"),
    ("Education and Culture Committee", "other"),
    ("International Relations and Cooperation Committee", "foreign_affairs"),
    ("Health and Social Affairs Committee", "other"),
    ("Equality and Non-Discrimination Committee", "human_rights"),
    ("National Security and Intelligence Committee", "defence"),
    ("Economy and Trade Committee", "other"),
    ("Petitions and Civil Liberties Committee", "human_rights"),
    ("Agriculture and Rural Development Committee", "other"),
)

CONSTITUENCY_NAMES: dict[str, tuple[str, ...]] = {
    "AF": _split(
        "Kabul, Herat, Kandahar, Balkh, Nangarhar, Bamyan, Badakhshan, Ghazni, Kunduz, "
        "Helmand, Paktia, Parwan, Faryab, Takhar, Logar"
    ),
    "DJ": _split("Djibouti, Ali Sabieh, Arta, Dikhil, Obock, Tadjourah"),
    "DO": _split(
        "Distrito Nacional, Santo Domingo, Santiago, La Vega, San Cristóbal, Puerto Plata, "
        "Duarte, La Romana, San Pedro de Macorís, La Altagracia, Espaillat, Azua, Peravia, "
        "Monseñor Nouel, Barahona"
    ),
    "TL": _split(
        "Aileu, Ainaro, Atauro, Baucau, Bobonaro, Covalima, Díli, Ermera, Lautém, Liquiçá, "
        "Manatuto, Manufahi, Oecusse, Viqueque"
    ),
    "SV": _split(
        "San Salvador, La Libertad, Santa Ana, San Miguel, Sonsonate, Usulután, Ahuachapán, "
        "La Paz, Chalatenango, Cuscatlán, Morazán, La Unión, San Vicente, Cabañas"
    ),
    "GM": _split("Banjul, Kanifing, Brikama, Mansa Konko, Kerewan, Kuntaur, Janjanbureh, Basse"),
    "HN": _split(
        "Francisco Morazán, Cortés, Atlántida, Choluteca, Colón, Comayagua, Copán, "
        "El Paraíso, Intibucá, Olancho, Santa Bárbara, Valle, Yoro, Lempira, Islas de la Bahía"
    ),
    "IN": _split(
        "Uttar Pradesh, Maharashtra, Bihar, West Bengal, Tamil Nadu, Madhya Pradesh, "
        "Karnataka, Gujarat, Rajasthan, Kerala, Odisha, Andhra Pradesh, Telangana, Punjab, Assam"
    ),
    # The Knesset is elected nationally; districts give the demo a home region per member.
    "IL": _split(
        "Jerusalem District, Tel Aviv District, Haifa District, Central District, "
        "Northern District, Southern District"
    ),
    "MH": _split(
        "Majuro, Kwajalein, Arno, Ailinglaplap, Jaluit, Wotje, Mili, Ebon, Likiep, Maloelap, "
        "Aur, Namu, Enewetak, Rongelap, Namdrik"
    ),
    "MR": _split(
        "Nouakchott-Nord, Nouakchott-Ouest, Nouakchott-Sud, Adrar, Assaba, Brakna, "
        "Dakhlet Nouadhibou, Gorgol, Guidimaka, Hodh Ech Chargui, Hodh El Gharbi, Inchiri, "
        "Tagant, Tiris Zemmour, Trarza"
    ),
    # Four states alone would be too few, so the larger municipalities are listed as well.
    "FM": _split(
        "Chuuk, Pohnpei, Kosrae, Yap, Weno, Kolonia, Sokehs, Madolenihmw, Kitti, Lelu, "
        "Tafunsak, Ulithi"
    ),
    "NP": _split(
        "Koshi, Madhesh, Bagmati, Gandaki, Lumbini, Karnali, Sudurpashchim, Kathmandu, "
        "Lalitpur, Chitwan, Kaski, Jhapa, Morang, Rupandehi"
    ),
    "PW": _split(
        "Koror, Airai, Melekeok, Ngaraard, Ngarchelong, Ngardmau, Ngaremlengui, Ngatpang, "
        "Ngchesar, Ngiwal, Aimeliik, Peleliu, Angaur, Kayangel, Sonsorol"
    ),
    "RO": _split(
        "București, Cluj, Iași, Timiș, Constanța, Brașov, Prahova, Dolj, Bihor, Argeș, "
        "Suceava, Galați, Sibiu, Mureș, Bacău"
    ),
    "SL": _split(
        "Western Area Urban, Western Area Rural, Bo, Kenema, Kailahun, Kono, Bombali, "
        "Port Loko, Kambia, Tonkolili, Moyamba, Bonthe, Pujehun, Koinadugu, Falaba"
    ),
    "LK": _split(
        "Colombo, Gampaha, Kalutara, Kandy, Matale, Nuwara Eliya, Galle, Matara, Hambantota, "
        "Kurunegala, Jaffna, Anuradhapura, Trincomalee, Badulla, Ratnapura"
    ),
    "TJ": _split(
        "Dushanbe, Sughd, Khatlon, Kuhistoni Badakhshon, Khujand, Kulob, Bokhtar, "
        "Istaravshan, Panjakent, Hisor, Vahdat, Rasht, Khorugh, Isfara, Tursunzoda"
    ),
    "UZ": _split(
        "Toshkent, Andijon, Buxoro, Fargʻona, Jizzax, Xorazm, Namangan, Navoiy, Qashqadaryo, "
        "Samarqand, Sirdaryo, Surxondaryo, Qoraqalpogʻiston"
    ),
}


def full_name(pool: NamePool, rng: random.Random) -> tuple[str, str, str, str | None]:
    """Draw a name from ``pool``: (given, family, "Given Family", native-script name or None)."""
    g = rng.randrange(len(pool.given))
    f = rng.randrange(len(pool.family))
    # Several pools share names between the two lists; "Radu Radu" reads as a data error.
    while pool.family[f] == pool.given[g]:
        f = rng.randrange(len(pool.family))
    given, family = pool.given[g], pool.family[f]
    feminine = given in pool.feminine_given
    if feminine:
        family = _feminine_surname(family)
    native: str | None = None
    if pool.script is not None:
        family_native = pool.family_native[f]
        if feminine:
            family_native = _feminine_surname(family_native)
        native = f"{pool.given_native[g]} {family_native}"
    return given, family, f"{given} {family}", native
