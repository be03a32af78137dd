"""The pools the scale data is named from: people (partly accented, Cyrillic, CJK and Arabic),
departments and teams (group names), resource types and access types."""

import random
import uuid


def _words(text: str) -> list[str]:
    return text.split()


LATIN_FIRST = _words(
    "Ann Anna Annabel Joanna Hanna Leanne Marianne Dianne John Johan Jonathan Allison Alice "
    "Liam Olivia Noah Emma Oliver Ava Elijah Sophia James Isabella William Mia Benjamin "
    "Charlotte Lucas Amelia Henry Harper Mason Evelyn Ethan Abigail Michael Emily Daniel "
    "Elizabeth Jacob Sofia Logan Ella Jackson Madison Sebastian Scarlett Jack Victoria Aiden "
    "Aria Owen Grace Samuel Chloe Matthew Camila Joseph Penelope Levi Riley Mateo Layla David "
    "Lillian John Nora Wyatt Zoey Carter Mila Julian Aubrey Luke Hannah Grayson Lily Isaac "
    "Addison Jayden Eleanor Theodore Natalie Gabriel Luna Anthony Savannah Dylan Brooklyn Leo "
    "Leah Lincoln Zoe Jaxon Stella Asher Hazel Christopher Ellie Josiah Paisley Andrew Audrey "
    "Thomas Skylar Joshua Violet Ezra Claire Hudson Bella Charles Lucy Caleb Anne Isaiah Li "
    "Wei Ming Priya Ravi Arjun Ananya Kenji Yuki Sakura Hiroshi Mei Chen Bo Cy Kim Lee Jin"
)
LATIN_LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen "
    "Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez "
    "Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy "
    "Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox "
    "Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price "
    "Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Li Liu Wang Zhang Chen Yang "
    "Huang Zhao Wu Zhou Singh Kumar Sharma Gupta Tanaka Suzuki Takahashi Watanabe Ito Nakamura "
    "Larsson Jensen Hansen Nielsen Svensson Olsen Andersson Johansson Karlsson Nilsson Eriksson "
    "Dawson Madison Hudson Allison Jameson Ericson Robson Dickson Wilkinson Hutchinson Stevenson"
)
ACCENTED_FIRST = _words(
    "José Zoë Renée Chloé Mélanie François Søren Åsa Björn Jürgen Łukasz Paweł Dorothée Inès "
    "Ángel Joaquín Raúl Sebastián Mónica Léa Noémie Agnès Thérèse Hélène Gaëlle Ólafur Þóra "
    "Şükrü Çağla Ömer Dvořák Tomáš Zdeněk Jiří Ružena Małgorzata Grzegorz Ștefan Ioana"
)
ACCENTED_LAST = _words(
    "Müller Schäfer Groß Nuñez Peña Muñoz Øvergaard Ångström Dvořák Novák Černý Wójcik "
    "Kowalczyk Lévesque Côté Gagné Bélanger Fernández Martín Sánchez Gómez Hernández Pérez "
    "Jiménez Ibáñez Özdemir Yılmaz Çelik Şahin Nørgaard Söderberg Łęcki Brâncuși Mäkinen"
)
CYRILLIC_FIRST = _words(
    "Александр Дмитрий Максим Сергей Андрей Алексей Иван Анна Мария Елена Ольга Наталья "
    "Татьяна Светлана Ирина Екатерина Юлия Михаил Николай Владимир Пётр Олена Богдан Тарас"
)
CYRILLIC_LAST = _words(
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанова Николаева Орлова Шевченко "
    "Бондаренко Коваленко Ткаченко"
)
CJK_FIRST = _words(
    "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 翔 "
    "太郎 花子 陽翔 結衣 蓮 民準 서연 지우 하준"
)
CJK_LAST = _words(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 佐藤 鈴木 高橋 田中 渡辺 김 이 박 최 정"
)
ARABIC_FIRST = _words(
    "محمد أحمد علي عمر يوسف خالد حسن إبراهيم فاطمة عائشة مريم زينب نور ليلى سارة هدى"
)
ARABIC_LAST = _words(
    "العلي الحسن المصري الخطيب حداد منصور سليمان عبدالله الشامي النجار العمر القحطاني"
)

# (share, first names, last names): 72 % plain Latin, 10 % accented, 7 % Cyrillic, 6 % CJK,
# 5 % Arabic.
NAME_POOLS = (
    (0.72, LATIN_FIRST, LATIN_LAST),
    (0.10, ACCENTED_FIRST, ACCENTED_LAST),
    (0.07, CYRILLIC_FIRST, CYRILLIC_LAST),
    (0.06, CJK_FIRST, CJK_LAST),
    (0.05, ARABIC_FIRST, ARABIC_LAST),
)

DEPARTMENTS = _words(
    "Engineering Platform Payments Checkout Search Mobile Web Data Analytics Security "
    "Infrastructure Support Sales Marketing Finance Legal People Design Research Operations "
    "Logistics Procurement Quality Compliance Growth Billing Identity Messaging Video Audio"
)
TEAMS = _words(
    "Core Frontend Backend Reliability Tooling Onboarding Partners EMEA APAC Americas Nordics "
    "Berlin Tokyo Lagos São-Paulo Montréal Zürich Kraków Москва 東京 القاهرة Ops Guild Chapter "
    "Squad Tribe Reviewers Approvers Owners Readers Writers On-call Release Incident"
)
RESOURCE_TYPES = (
    "WORKFLOW_DEF",
    "TASK_DEF",
    "APPLICATION",
    "SECRET_NAME",
    "TAG",
    "DOMAIN",
    "ENV_VARIABLE",
    "WORKFLOW_SCHEDULE",
    "INTEGRATION_PROVIDER",
    "PROMPT",
)
ACCESS = ("CREATE", "READ", "UPDATE", "DELETE", "EXECUTE")


def person_name(rng: random.Random) -> tuple[str, str]:
    roll, total = rng.random(), 0.0
    for share, firsts, lasts in NAME_POOLS:
        total += share
        if roll < total:
            return rng.choice(firsts), rng.choice(lasts)
    return rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)
