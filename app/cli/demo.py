"""A realistic Sidoarjo demo competition (``flask --app run.py kipp demo``).

Loads the regency's units (OPD, the 18 kecamatan, puskesmas, SMP Negeri; all ``is_demo``), one demo
account per role, the competition of the current year with its three default rounds, and 44 proposals
spread over every innovation state; and the previous year's finished competition (its entries, awards, this year's
carry-overs of them as one lineage each, external awards, replications and sustainability statuses: issue 12). Every state change goes through the real workflow
(``innovation_workflow.fire``) with the demo users, so each proposal has a genuine history.

Idempotent: units are found by ``code``, users by ``username``, the competition by name and year and
proposals by (competition, unit, title); what exists is left alone, so a second run adds nothing.

The names of a few real Sidoarjo innovations (SIPRAJA, KOPI PAHIT, IREBON, SAE, SIKSDA, RDS, Sido Resik,
My Retribusi) are used as illustrations; all proposal texts, figures, people and document numbers are
invented for the demo.
"""
import datetime
import hashlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from app.commands import users as user_commands
from app.models import (
    Assignment,
    Competition,
    Criterion,
    Innovation,
    Round,
    Score,
    ScoreSheet,
    Unit,
    User,
)
from app.models.base import utcnow
from app.models.states import AssignmentStatus, UnitKind
from app.services import evidence, ranking, teams
from app.services import innovations as innovation_service
from app.services import users as user_service
from app.services.competitions import add_default_rounds, local_zone, to_utc_naive
from app.services.errors import Invalid

DEMO_PASSWORD = "Sidoarjo#2026"
REGION = "Kabupaten Sidoarjo"

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def competition_name(year):
    return f"Kompetisi Inovasi Pelayanan Publik Kabupaten Sidoarjo Tahun {year}"


def tanggal(day):
    """Indonesian date: ``5 Januari 2020`` (no leading zero)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


# -- units -----------------------------------------------------------------------------------------------

# (code, name, SAKIP grade)
OPD_UNITS = (
    ("SETDA-PEM", "Sekretariat Daerah - Bagian Pemerintahan", "A"),
    ("INSPEKTORAT", "Inspektorat Daerah", "A"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "A"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "A"),
    ("BPPD", "Badan Pelayanan Pajak Daerah", "BB"),
    ("BKD", "Badan Kepegawaian Daerah", "BB"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "B"),
    ("BAKESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "B"),
    ("DIKBUD", "Dinas Pendidikan dan Kebudayaan", "BB"),
    ("DINKES", "Dinas Kesehatan", "A"),
    ("PUBMSDA", "Dinas Pekerjaan Umum Bina Marga dan Sumber Daya Air", "BB"),
    ("P2CKTR", "Dinas Perumahan, Permukiman, Cipta Karya dan Tata Ruang", "B"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "B"),
    ("DAMKAR", "Dinas Pemadam Kebakaran", "B"),
    ("DINSOS", "Dinas Sosial", "BB"),
    ("DISNAKER", "Dinas Tenaga Kerja", "BB"),
    ("P3AKB", "Dinas Pemberdayaan Perempuan, Perlindungan Anak dan Keluarga Berencana", "BB"),
    ("DPP", "Dinas Pangan dan Pertanian", "B"),
    ("DLHK", "Dinas Lingkungan Hidup dan Kebersihan", "BB"),
    ("DISPENDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "A"),
    ("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa", "B"),
    ("DISHUB", "Dinas Perhubungan", "BB"),
    ("KOMINFO", "Dinas Komunikasi dan Informatika", "A"),
    ("DISKOPUM", "Dinas Koperasi dan Usaha Mikro", "BB"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "A"),
    ("DISPORAPAR", "Dinas Kepemudaan, Olahraga dan Pariwisata", "B"),
    ("DISPUSIP", "Dinas Perpustakaan dan Kearsipan", "B"),
    ("DISKAN", "Dinas Perikanan", "BB"),
    ("DISPERINDAG", "Dinas Perindustrian dan Perdagangan", "BB"),
    ("RSUD-SDA", "RSUD Sidoarjo", "A"),
    ("RSUD-SIBAR", "RSUD Sidoarjo Barat", "BB"),
)

# The 18 kecamatan with a SAKIP grade each.
KECAMATAN = (
    ("Balongbendo", "B"), ("Buduran", "BB"), ("Candi", "BB"), ("Gedangan", "BB"), ("Jabon", "B"),
    ("Krembung", "B"), ("Krian", "BB"), ("Porong", "A"), ("Prambon", "B"), ("Sedati", "BB"),
    ("Sidoarjo", "A"), ("Sukodono", "BB"), ("Taman", "A"), ("Tanggulangin", "BB"), ("Tarik", "B"),
    ("Tulangan", "B"), ("Waru", "BB"), ("Wonoayu", "B"),
)

# 31 puskesmas: those named in public sources plus plausible ones (puskesmas are UPTs: no SAKIP grade).
PUSKESMAS = (
    "Sidoarjo", "Urangagung", "Urangagung 2", "Sekardangan", "Buduran", "Candi", "Sidodadi", "Tanggulangin",
    "Porong", "Kedungsolo", "Jabon", "Krembung", "Tulangan", "Kepadangan", "Tarik", "Tarik 2", "Prambon",
    "Balongbendo", "Krian", "Barengkrajan", "Taman", "Trosobo", "Sukodono", "Wonoayu", "Wonokasian", "Waru",
    "Medaeng", "Tambakrejo", "Sedati", "Gedangan", "Ganting",
)

# (number, place) of SMP Negeri.
SMP = (
    (1, "Sidoarjo"), (2, "Sidoarjo"), (3, "Sidoarjo"), (4, "Sidoarjo"), (5, "Sidoarjo"), (6, "Sidoarjo"),
    (1, "Waru"), (1, "Taman"), (1, "Krian"), (1, "Porong"), (1, "Candi"), (1, "Gedangan"), (1, "Tanggulangin"),
    (1, "Buduran"),
)

SMP_PLACE_CODES = {"Sidoarjo": "SDA"}


def _compact(name):
    return name.upper().replace(" ", "")


def kecamatan_code(name):
    return f"KEC-{_compact(name)}"


def puskesmas_code(name):
    return f"PKM-{_compact(name)}"


def smp_code(number, place):
    return f"SMPN{number}-{SMP_PLACE_CODES.get(place, _compact(place))}"


def demo_units():
    """Every demo unit as (code, name, kind, SAKIP grade)."""
    rows = [(code, name, UnitKind.OPD.value, grade) for code, name, grade in OPD_UNITS]
    rows += [(kecamatan_code(n), f"Kecamatan {n}", UnitKind.KECAMATAN.value, grade) for n, grade in KECAMATAN]
    rows += [(puskesmas_code(n), f"Puskesmas {n}", UnitKind.PUSKESMAS.value, None) for n in PUSKESMAS]
    rows += [(smp_code(num, place), f"SMP Negeri {num} {place}", UnitKind.SMP.value, None) for num, place in SMP]
    return rows


def ensure_units(session):
    """Create the demo units that are missing (by code); returns ({code: Unit}, number created)."""
    rows = demo_units()
    existing = {u.code: u for u in session.query(Unit).filter(Unit.code.in_([r[0] for r in rows]))}
    created = 0
    for code, name, kind, grade in rows:
        if code not in existing:
            unit = Unit(code=code, name=name, kind=kind, sakip_grade=grade, is_demo=True)
            session.add(unit)
            existing[code] = unit
            created += 1
    session.commit()
    return existing, created


# -- proposals ---------------------------------------------------------------------------------------------

# Plans: the triggers fired, in order, for a proposal to reach its demo state.
PLANS = {
    "draft": (),
    "draft_returned": ("submit", "return"),
    "withdrawn_draft": ("withdraw",),
    "withdrawn_submitted": ("submit", "withdraw"),
    "submitted": ("submit",),
    "submitted_resubmitted": ("submit", "return", "submit"),
    "verified": ("submit", "verify"),
    "verified_in_review": ("submit", "verify", "assign"),
    "rejected_admin": ("submit", "reject"),
    "rejected_desk": ("submit", "verify", "reject"),
    "scored": ("submit", "verify", "score"),
    "awarded": ("submit", "verify", "score", "award"),
}


@dataclass
class Proposal:
    unit: str
    acronym: str
    name: str
    plan: str
    started: str
    sdgs: tuple
    solution: str
    problem: str
    target: str
    novelty: str
    steps: tuple
    ind1: tuple
    ind2: tuple
    partners: str
    budget: str
    team: str
    replicated: str = None
    title: str = None
    measure: str = None
    comment: str = None  # return / reject / withdraw comment
    quality: float = 0.75  # drives the demo jurors' scores

    @property
    def full_title(self):
        return self.title or f"{self.acronym} ({self.name})"


PROPOSALS = (
    # -- awarded -------------------------------------------------------------------------------------------
    Proposal(
        "SETDA-PEM", "SIPRAJA", "Sistem Pelayanan Rakyat Sidoarjo", "awarded", "2020-06-15", (16, 9, 10),
        "aplikasi berbasis web dan Android yang menyatukan layanan surat-menyurat desa/kelurahan, kecamatan dan "
        "perangkat daerah dalam satu pintu daring",
        "warga harus datang berulang kali ke kantor desa, kecamatan dan dinas untuk satu urusan administrasi, "
        "tanpa kepastian kapan berkasnya selesai",
        "warga Kabupaten Sidoarjo yang membutuhkan surat keterangan, pengantar kependudukan dan perizinan dasar",
        "satu akun untuk 24 jenis layanan lintas desa, kecamatan dan OPD, dengan pelacakan status berkas secara "
        "waktu nyata dan tanda tangan elektronik pejabat",
        ("memetakan 24 jenis layanan beserta alur verifikasinya di 353 desa/kelurahan dan 18 kecamatan",
         "melatih operator desa, kelurahan dan kecamatan secara bertahap per wilayah",
         "mengintegrasikan layanan instansi vertikal seperti SKCK dan laporan kehilangan bersama Polresta Sidoarjo"),
        ("waktu penyelesaian surat keterangan tingkat kecamatan", "3 hari kerja", "4 jam"),
        ("jumlah kunjungan warga ke kantor untuk satu layanan", "3 kali", "paling banyak 1 kali"),
        "Dinas Komunikasi dan Informatika, 18 kecamatan, 353 desa/kelurahan dan Polresta Sidoarjo",
        "Rp450.000.000 dari APBD untuk pengembangan aplikasi, server dan pelatihan operator",
        "tim pengelola 9 orang di Bagian Pemerintahan dan lebih dari 400 operator desa, kelurahan dan kecamatan",
        replicated="SIPRAJA telah mendapat komitmen replikasi dari Pemerintah Provinsi Jawa Timur dan kerap "
                   "menjadi tujuan studi tiru pemerintah daerah lain.",
        measure="log sistem SIPRAJA, survei kepuasan masyarakat dan rekap pengaduan",
        quality=0.92,
    ),
    Proposal(
        "PKM-PORONG", "KOPI PAHIT", "Kompilasi Inovasi Porong Cegah dan Atasi Stunting", "awarded", "2021-08-02",
        (2, 3),
        "aplikasi dan gerakan terpadu yang menghimpun data balita, ibu hamil dan calon pengantin untuk mencegah "
        "serta menangani stunting",
        "data balita berisiko stunting tersebar di buku posyandu, catatan bidan desa dan kader sehingga "
        "intervensi sering terlambat",
        "balita, ibu hamil dan calon pengantin di wilayah kerja Puskesmas Porong",
        "kompilasi beberapa intervensi (pemantauan gizi, kelas ibu hamil, pendampingan calon pengantin) dalam satu "
        "basis data yang dipakai bersama oleh kader, bidan dan pemerintah desa",
        ("membentuk tim lintas sektor bersama Kecamatan Porong, pemerintah desa dan TP PKK",
         "menginput hasil penimbangan posyandu setiap bulan ke aplikasi oleh kader terlatih",
         "melakukan kunjungan rumah dan pemberian makanan tambahan bagi balita yang terdeteksi berisiko"),
        ("prevalensi stunting balita di wilayah kerja", "14,2 persen", "7,9 persen"),
        ("cakupan balita yang ditimbang setiap bulan", "71 persen", "93 persen"),
        "Kecamatan Porong, pemerintah desa, TP PKK, kader posyandu dan Dinas Kesehatan",
        "Rp65.000.000 per tahun dari dana BOK dan dana desa untuk pelatihan kader serta makanan tambahan",
        "12 tenaga kesehatan Puskesmas Porong dan 140 kader posyandu",
        replicated="Beberapa puskesmas di Sidoarjo telah mempelajari alur KOPI PAHIT untuk diterapkan di "
                   "wilayahnya.",
        measure="data e-PPGBM, register kohort ibu dan balita serta laporan bulanan posyandu",
        quality=0.91,
    ),
    Proposal(
        "DISKAN", "IREBON", "pendampingan terpadu pembudidaya tambak", "awarded", "2021-03-10", (14, 2, 8),
        "layanan pendampingan terpadu bagi pembudidaya tambak, mulai dari uji kualitas air dan konsultasi penyakit "
        "ikan hingga akses pasar",
        "pembudidaya tambak tradisional di kawasan pesisir sering gagal panen karena kualitas air dan penyakit "
        "ikan terlambat dikenali",
        "pembudidaya bandeng dan udang di tujuh kecamatan pesisir Sidoarjo",
        "petugas datang langsung ke tambak dengan perangkat uji air portabel dan hasilnya dikirim ke pembudidaya "
        "pada hari yang sama melalui pesan singkat",
        ("memetakan kelompok pembudidaya ikan (pokdakan) di kecamatan pesisir",
         "menjadwalkan kunjungan lapangan dan uji kualitas air secara berkala",
         "menghubungkan pembudidaya dengan pengolah hasil perikanan dan pasar ikan"),
        ("tingkat gagal panen tambak binaan", "27 persen", "11 persen"),
        ("produktivitas bandeng tambak binaan", "0,9 ton per hektare per musim", "1,4 ton per hektare per musim"),
        "kelompok pembudidaya ikan, penyuluh perikanan, perguruan tinggi dan pengolah hasil perikanan",
        "Rp120.000.000 dari APBD untuk perangkat uji air, bahan operasional dan pelatihan",
        "8 penyuluh perikanan dan 2 analis laboratorium",
        title="IREBON: Pendampingan Terpadu Pembudidaya Tambak",
        quality=0.9,
    ),
    Proposal(
        "DISPENDUKCAPIL", "SAE", "Sistem Antrian Elektronik", "awarded", "2019-07-01", (16, 10),
        "sistem antrean elektronik dengan pengambilan nomor secara daring dan kuota per jam untuk layanan KTP-el, "
        "kartu keluarga dan akta",
        "warga mengantre sejak subuh di kantor Dispendukcapil dan sebagian pulang tanpa terlayani karena kuota "
        "habis",
        "warga yang mengurus dokumen kependudukan di kantor Dispendukcapil dan Mal Pelayanan Publik",
        "nomor antrean diambil dari rumah melalui aplikasi atau WhatsApp, lengkap dengan perkiraan jam layanan dan "
        "pengingat otomatis",
        ("menyusun kuota layanan per jam berdasarkan kapasitas loket",
         "membuka pendaftaran antrean daring dan kanal WhatsApp bagi warga tanpa aplikasi",
         "menampilkan papan antrean dan status layanan secara terbuka di ruang tunggu"),
        ("waktu tunggu rata-rata di kantor", "3,5 jam", "40 menit"),
        ("jumlah pengaduan terkait antrean per bulan", "118", "14"),
        "Dinas Komunikasi dan Informatika dan Mal Pelayanan Publik Sidoarjo",
        "Rp95.000.000 dari APBD untuk pengembangan aplikasi dan anjungan antrean",
        "6 pegawai pengelola dan 24 petugas loket",
        replicated="Sistem serupa telah dipelajari beberapa perangkat daerah di Sidoarjo untuk loket layanannya.",
        quality=0.89,
    ),
    Proposal(
        "KEC-PORONG", "LAPAK PORONG", "Layanan Administrasi Keliling Porong", "awarded", "2021-02-01",
        (10, 16, 11),
        "layanan administrasi keliling yang mendatangi desa-desa setiap pekan dengan mobil layanan dan petugas "
        "kecamatan",
        "warga desa di sekitar tanggul lumpur dan warga lanjut usia kesulitan menjangkau kantor kecamatan",
        "warga lanjut usia, penyandang disabilitas dan warga desa terjauh di Kecamatan Porong",
        "jadwal keliling disusun dari data permohonan di SIPRAJA sehingga petugas datang membawa dokumen yang "
        "sudah siap ditandatangani",
        ("menyusun jadwal kunjungan mingguan ke seluruh desa dan kelurahan",
         "melengkapi mobil layanan dengan laptop, printer dan jaringan seluler",
         "mengumumkan jadwal melalui perangkat desa, masjid dan grup WhatsApp RT"),
        ("jarak tempuh rata-rata warga untuk mengurus administrasi", "7 km", "kurang dari 1 km"),
        ("permohonan warga lanjut usia yang terlayani per bulan", "35", "160"),
        "pemerintah desa/kelurahan, Dispendukcapil dan Puskesmas Porong",
        "Rp40.000.000 per tahun dari APBD kecamatan untuk operasional kendaraan dan perlengkapan",
        "5 pegawai kecamatan dibantu operator desa",
        quality=0.88,
    ),
    Proposal(
        "PKM-TARIK", "GERCEP HT", "Gerakan Cepat Kendalikan Hipertensi", "awarded", "2021-05-17", (3,),
        "gerakan deteksi dini dan pemantauan hipertensi berbasis kader, dengan pengingat minum obat melalui "
        "WhatsApp",
        "banyak penderita hipertensi tidak rutin kontrol sehingga kasus stroke dan komplikasi terus bertambah",
        "penderita hipertensi dan warga usia produktif di wilayah kerja Puskesmas Tarik",
        "kader membawa tensimeter digital dan mencatat hasil pengukuran ke formulir daring yang langsung masuk ke "
        "daftar pantau dokter",
        ("melatih kader mengukur tekanan darah dan mencatat hasil secara daring",
         "membentuk grup pengingat minum obat di setiap desa",
         "merujuk pasien dengan tekanan darah tidak terkendali ke dokter puskesmas paling lambat 3 hari"),
        ("persentase penderita hipertensi yang terkendali", "34 persen", "62 persen"),
        ("cakupan skrining tekanan darah penduduk usia 15 tahun ke atas", "41 persen", "78 persen"),
        "pemerintah desa, kader kesehatan, apotek jejaring dan Dinas Kesehatan",
        "Rp38.000.000 dari dana BOK untuk tensimeter digital dan pelatihan kader",
        "9 tenaga kesehatan dan 85 kader",
        quality=0.87,
    ),
    # -- scored ------------------------------------------------------------------------------------------
    Proposal(
        "DPMPTSP", "JEMPOL IZIN", "Jemput Bola Perizinan Usaha Mikro", "scored", "2021-09-06", (8, 9),
        "layanan jemput bola pendampingan NIB dan perizinan berusaha berbasis risiko bagi usaha mikro di "
        "kecamatan dan pasar",
        "banyak pelaku usaha mikro belum memiliki Nomor Induk Berusaha karena tidak memahami sistem OSS dan enggan "
        "datang ke kantor",
        "pelaku usaha mikro dan kecil, terutama di pasar tradisional dan sentra industri rumahan",
        "petugas membuka meja layanan di pasar, sentra UMKM dan acara desa lalu menuntaskan NIB di tempat dengan "
        "gawai milik pelaku usaha",
        ("menyusun jadwal jemput bola bersama kecamatan dan paguyuban pasar",
         "mendampingi pembuatan akun dan pengisian data OSS di tempat",
         "mengirim NIB dan sertifikat standar melalui surel dan WhatsApp pelaku usaha"),
        ("jumlah NIB usaha mikro yang terbit per tahun", "4.200", "17.800"),
        ("waktu penerbitan NIB sejak pendampingan dimulai", "5 hari", "kurang dari 1 jam"),
        "Dinas Koperasi dan Usaha Mikro, Dinas Perindustrian dan Perdagangan, kecamatan dan paguyuban pasar",
        "Rp60.000.000 per tahun dari APBD untuk operasional tim keliling",
        "10 petugas pendamping perizinan",
        quality=0.82,
    ),
    Proposal(
        "DINKES", "SIRANTI", "Sistem Rujukan Terintegrasi Ibu Hamil Risiko Tinggi", "scored", "2020-11-02", (3, 5),
        "sistem rujukan daring yang menghubungkan bidan desa, puskesmas dan rumah sakit untuk ibu hamil risiko "
        "tinggi",
        "rujukan ibu hamil risiko tinggi masih dilakukan lewat telepon tanpa data lengkap sehingga rumah sakit "
        "tujuan sering tidak siap",
        "ibu hamil risiko tinggi serta tenaga kesehatan di 31 puskesmas dan rumah sakit rujukan",
        "kesiapan ruang bersalin dan NICU rumah sakit terlihat sebelum rujukan dikirim, disertai ringkasan klinis "
        "pasien",
        ("menyusun kriteria risiko tinggi dan alur rujukan bersama organisasi profesi",
         "menghubungkan 31 puskesmas dan rumah sakit rujukan ke aplikasi",
         "memantau setiap rujukan sampai pasien diterima dan mengaudit kasus setiap bulan"),
        ("waktu respons rumah sakit terhadap rujukan", "45 menit", "10 menit"),
        ("jumlah kematian ibu per tahun", "19 kasus", "9 kasus"),
        "31 puskesmas, RSUD Sidoarjo, RSUD Sidoarjo Barat, rumah sakit swasta dan IBI Cabang Sidoarjo",
        "Rp175.000.000 dari APBD untuk aplikasi dan pelatihan",
        "tim 14 orang di Dinas Kesehatan serta petugas rujukan di setiap fasilitas",
        quality=0.81,
    ),
    Proposal(
        "BPKAD", "SIKSDA", "Sistem Informasi Keuangan Sidoarjo", "scored", "2018-01-15", (16, 17),
        "sistem informasi terpadu untuk perencanaan, penatausahaan dan pelaporan keuangan daerah yang dipakai "
        "seluruh perangkat daerah",
        "pencairan dana dan penyusunan laporan keuangan memakan waktu lama karena dokumen berpindah tangan secara "
        "manual",
        "bendahara dan pejabat pengelola keuangan di seluruh perangkat daerah serta pihak ketiga penerima "
        "pembayaran",
        "surat perintah pencairan dana diproses tanpa kertas dan penerima pembayaran dapat memantau status "
        "pencairan secara daring",
        ("mengintegrasikan modul anggaran, penatausahaan dan akuntansi dalam satu basis data",
         "menerapkan tanda tangan elektronik untuk dokumen pencairan",
         "membuka dasbor realisasi anggaran bagi pimpinan daerah"),
        ("waktu penerbitan SP2D", "3 hari kerja", "1 hari kerja"),
        ("perangkat daerah yang terlambat menyampaikan laporan keuangan", "12 perangkat daerah", "tidak ada"),
        "seluruh perangkat daerah, bank persepsi dan Inspektorat",
        "Rp350.000.000 dari APBD untuk pengembangan dan pemeliharaan sistem",
        "tim 11 orang di BPKAD",
        replicated="Sejumlah pemerintah daerah telah melakukan studi tiru ke BPKAD Sidoarjo untuk mempelajari "
                   "SIKSDA.",
        quality=0.8,
    ),
    Proposal(
        "BAPPEDA", "RDS", "Regional Development System", "scored", "2019-02-11", (16, 11, 17),
        "sistem informasi perencanaan pembangunan yang menghubungkan usulan musrenbang desa hingga rencana kerja "
        "perangkat daerah",
        "usulan warga dalam musrenbang sulit dilacak dan warga tidak tahu apakah usulannya diakomodasi",
        "pemerintah desa, kecamatan, perangkat daerah dan warga pengusul program pembangunan",
        "setiap usulan musrenbang memiliki nomor lacak sehingga warga dapat melihat statusnya sampai masuk "
        "anggaran",
        ("mendigitalkan formulir usulan musrenbang desa dan kecamatan",
         "menautkan usulan dengan program dan kegiatan perangkat daerah",
         "membuka portal status usulan bagi masyarakat"),
        ("usulan musrenbang yang dapat ditelusuri statusnya", "20 persen", "100 persen"),
        ("waktu rekapitulasi usulan tingkat kabupaten", "6 minggu", "1 minggu"),
        "Dinas Komunikasi dan Informatika, 18 kecamatan, desa/kelurahan dan DPRD",
        "Rp210.000.000 dari APBD",
        "8 perencana dan 2 pengembang aplikasi",
        quality=0.78,
    ),
    Proposal(
        "RSUD-SDA", "ANTAR OBAT", "Layanan Antar Obat Pasien Kronis ke Rumah", "scored", "2020-07-01", (3, 10),
        "layanan pengantaran obat rutin bagi pasien penyakit kronis peserta JKN sehingga pasien tidak perlu "
        "mengantre di farmasi setiap bulan",
        "pasien kronis lanjut usia harus mengantre berjam-jam di instalasi farmasi hanya untuk mengambil obat "
        "rutin",
        "pasien penyakit kronis seperti diabetes, hipertensi dan jantung, terutama yang berusia lanjut",
        "resep dikirim otomatis dari poliklinik ke farmasi, obat dikemas per pasien lalu diantar kurir mitra",
        ("memetakan pasien kronis yang memenuhi syarat layanan antar",
         "menyiapkan kemasan dan label obat per pasien beserta jadwal pengiriman",
         "memantau penerimaan obat dan keluhan pasien melalui telepon farmasi"),
        ("waktu tunggu obat di instalasi farmasi rawat jalan", "2,5 jam", "35 menit"),
        ("pasien kronis yang memanfaatkan layanan antar obat per bulan", "0", "2.300"),
        "BPJS Kesehatan, PT Pos Indonesia dan komunitas pasien",
        "Rp85.000.000 dari BLUD untuk kemasan dan ongkos antar bersubsidi",
        "16 apoteker dan tenaga teknis kefarmasian",
        quality=0.79,
    ),
    Proposal(
        "KEC-WARU", "SIAGA GENANGAN WARU", "Sistem Peringatan Dini Genangan Berbasis Warga", "scored",
        "2021-11-15", (11, 13),
        "sistem peringatan dini genangan berbasis sensor ketinggian air dan laporan relawan kampung",
        "genangan di permukiman padat Waru datang tiba-tiba saat hujan deras dan pompa air terlambat dioperasikan",
        "warga permukiman rawan genangan di Kecamatan Waru",
        "sensor ketinggian air berbiaya rendah di saluran utama mengirim peringatan ke grup relawan dan operator "
        "pompa secara otomatis",
        ("memasang sensor di titik saluran yang paling sering meluap",
         "membentuk dan melatih relawan kampung di setiap desa rawan",
         "menyusun prosedur pengoperasian pompa bersama petugas pengairan"),
        ("waktu respons pengoperasian pompa saat hujan deras", "90 menit", "20 menit"),
        ("lama rata-rata genangan di titik rawan", "8 jam", "3 jam"),
        "Dinas PU Bina Marga dan Sumber Daya Air, BPBD, pemerintah desa dan relawan kampung",
        "Rp55.000.000 dari APBD kecamatan dan CSR untuk sensor dan pelatihan relawan",
        "4 pegawai kecamatan dan 60 relawan kampung",
        quality=0.8,
    ),
    Proposal(
        "PKM-BARENGKRAJAN", "REMATRI SEHAT", "Remaja Putri Sehat Bebas Anemia", "scored", "2021-01-18",
        (3, 5, 4),
        "program skrining anemia dan pendampingan minum tablet tambah darah bagi remaja putri di sekolah",
        "banyak remaja putri mengalami anemia tanpa disadari dan tablet tambah darah yang dibagikan tidak diminum",
        "remaja putri SMP dan SMA/SMK di wilayah kerja Puskesmas Barengkrajan",
        "minum tablet tambah darah dilakukan bersama setiap pekan di sekolah dan dicatat duta remaja melalui "
        "kartu digital",
        ("memeriksa kadar hemoglobin remaja putri di seluruh sekolah sasaran",
         "melatih duta remaja sebagai pendamping minum tablet tambah darah",
         "mengevaluasi kepatuhan dan kadar hemoglobin setiap semester"),
        ("prevalensi anemia remaja putri sasaran", "32 persen", "14 persen"),
        ("kepatuhan minum tablet tambah darah", "28 persen", "86 persen"),
        "sekolah, tim UKS, Kantor Kementerian Agama untuk madrasah dan Dinas Kesehatan",
        "Rp25.000.000 dari dana BOK untuk pemeriksaan hemoglobin dan media edukasi",
        "7 tenaga kesehatan dan 40 duta remaja",
        quality=0.77,
    ),
    Proposal(
        "SMPN1-SDA", "LIKE", "Literasi Keliling Kelas", "scored", "2020-08-03", (4,),
        "gerakan literasi harian dengan pojok baca kelas, perpustakaan digital dan jurnal membaca siswa",
        "minat baca siswa rendah dan koleksi perpustakaan sekolah jarang dipinjam",
        "siswa SMP Negeri 1 Sidoarjo dan sekolah mitra di sekitarnya",
        "siswa menulis ulasan buku di jurnal digital yang ditanggapi teman sebaya dan guru sehingga membaca "
        "menjadi kegiatan sosial",
        ("menyediakan pojok baca bergilir di setiap kelas",
         "membuka perpustakaan digital yang dapat diakses dari rumah",
         "menjadwalkan 15 menit membaca setiap pagi dan ulasan buku setiap pekan"),
        ("rata-rata buku yang dibaca siswa per semester", "1 buku", "6 buku"),
        ("nilai rata-rata asesmen literasi sekolah", "62", "78"),
        "Dinas Perpustakaan dan Kearsipan, komite sekolah dan penerbit lokal",
        "Rp30.000.000 dari dana BOS dan sumbangan komite",
        "12 guru dan 30 siswa duta literasi",
        quality=0.76,
    ),
    Proposal(
        "DLHK", "SIDO RESIK", "Sidoarjo Revitalisasi Fungsi Kali", "scored", "2022-07-01", (6, 11, 13),
        "gerakan revitalisasi sungai dan saluran desa melalui lomba, kerja bakti dan penataan bantaran bersama "
        "warga",
        "sungai dan saluran di permukiman dipenuhi sampah sehingga banjir dan pencemaran berulang setiap musim "
        "hujan",
        "warga desa dan kelurahan yang tinggal di sepanjang sungai dan saluran",
        "desa berlomba menata fungsi kali dan memanfaatkan bantaran menjadi ruang publik, dinilai dengan indikator "
        "kebersihan yang dipantau bersama",
        ("menyusun indikator penilaian kali bersih bersama kecamatan",
         "menggelar kerja bakti serentak dan pengangkutan sampah sungai",
         "menilai dan memberi penghargaan desa dengan penataan terbaik"),
        ("volume sampah terangkut dari sungai per bulan", "45 ton", "160 ton"),
        ("jumlah desa dengan titik kali bersih dan tertata", "12 desa", "96 desa"),
        "Dinas PU Bina Marga dan Sumber Daya Air, kecamatan, desa, komunitas peduli sungai dan dunia usaha",
        "Rp300.000.000 dari APBD untuk sarana kebersihan dan penghargaan desa",
        "tim 15 orang di DLHK dan satgas sungai di setiap kecamatan",
        replicated="Sejumlah desa telah mereplikasi penataan bantaran secara mandiri dengan dana desa.",
        quality=0.81,
    ),
    # -- verified ----------------------------------------------------------------------------------------
    Proposal(
        "BPPD", "MY RETRIBUSI", "Dasbor Eksekutif Pemantauan Retribusi Daerah", "verified_in_review",
        "2022-03-01", (16, 17),
        "dasbor eksekutif yang memantau realisasi retribusi daerah dari setiap perangkat daerah pemungut secara "
        "harian",
        "realisasi retribusi baru diketahui pada akhir bulan sehingga kebocoran dan penurunan penerimaan "
        "terlambat ditindaklanjuti",
        "pimpinan daerah, perangkat daerah pemungut retribusi dan wajib retribusi",
        "setiap transaksi retribusi nontunai langsung tampil di dasbor dengan peringatan bila target harian tidak "
        "tercapai",
        ("menyeragamkan kode rekening retribusi di seluruh perangkat daerah pemungut",
         "menghubungkan kanal pembayaran nontunai bank dengan dasbor",
         "menetapkan rapat evaluasi mingguan berdasarkan data dasbor"),
        ("jeda waktu pelaporan realisasi retribusi", "30 hari", "1 hari"),
        ("porsi pembayaran retribusi secara nontunai", "18 persen", "74 persen"),
        "Bank Jatim, perangkat daerah pemungut retribusi dan Dinas Komunikasi dan Informatika",
        "Rp140.000.000 dari APBD",
        "7 pegawai pengelola",
    ),
    Proposal(
        "DISHUB", "PARKIR CERDAS", "Pembayaran Retribusi Parkir Tepi Jalan Nontunai", "verified_in_review",
        "2022-01-10", (11, 16),
        "pembayaran retribusi parkir tepi jalan umum dengan QRIS dan kartu langganan bagi warga",
        "retribusi parkir tepi jalan bocor dan warga sering ditarik tarif melebihi ketentuan",
        "pengguna parkir tepi jalan umum dan juru parkir resmi di pusat kota Sidoarjo",
        "juru parkir resmi memakai rompi ber-QR dan setiap pembayaran langsung masuk kas daerah tanpa setoran "
        "tunai",
        ("mendata dan menetapkan juru parkir resmi di setiap titik",
         "membagikan rompi ber-QR dan melatih juru parkir",
         "membuka kanal pengaduan tarif parkir melalui WhatsApp"),
        ("penerimaan retribusi parkir tepi jalan per tahun", "Rp2,1 miliar", "Rp5,8 miliar"),
        ("pengaduan tarif parkir tidak sesuai per bulan", "63", "9"),
        "Bank Jatim, Badan Pelayanan Pajak Daerah dan paguyuban juru parkir",
        "Rp90.000.000 dari APBD untuk rompi QR, pelatihan dan sosialisasi",
        "12 pegawai dan 310 juru parkir resmi",
    ),
    Proposal(
        "DINSOS", "VERVAL DESA", "Verifikasi dan Validasi Data Sosial Berbasis Desa", "verified", "2021-04-05",
        (1, 10),
        "aplikasi verifikasi dan validasi data kesejahteraan sosial yang dijalankan operator desa dengan foto "
        "rumah dan titik lokasi",
        "bantuan sosial sering tidak tepat sasaran karena data kemiskinan jarang diperbarui",
        "keluarga miskin dan rentan penerima bantuan sosial di Kabupaten Sidoarjo",
        "setiap usulan perubahan data disertai foto rumah, titik koordinat dan berita acara musyawarah desa yang "
        "dapat diperiksa secara daring",
        ("melatih operator desa/kelurahan menggunakan aplikasi verifikasi",
         "menjadwalkan musyawarah desa untuk pemutakhiran data setiap semester",
         "memadankan data dengan data kependudukan Dispendukcapil"),
        ("data penerima bantuan yang diperbarui per tahun", "35 persen", "92 persen"),
        ("sanggahan penerima bantuan tidak tepat sasaran per tahun", "410", "95"),
        "pemerintah desa/kelurahan, pendamping PKH, TKSK dan Dispendukcapil",
        "Rp75.000.000 dari APBD",
        "6 pegawai dan 353 operator desa/kelurahan",
    ),
    Proposal(
        "P3AKB", "SIGAP PPA", "Layanan Cepat Pengaduan Kekerasan terhadap Perempuan dan Anak", "verified",
        "2021-06-21", (5, 16),
        "layanan pengaduan kekerasan terhadap perempuan dan anak 24 jam melalui hotline, WhatsApp dan pos "
        "pengaduan di desa",
        "korban kekerasan enggan melapor karena tidak tahu harus ke mana dan takut identitasnya tersebar",
        "perempuan dan anak korban atau saksi kekerasan",
        "pengaduan ditangani manajer kasus dalam 1x24 jam dan korban didampingi sejak visum hingga pemulihan dalam "
        "satu alur",
        ("membuka hotline dan kanal WhatsApp pengaduan 24 jam",
         "membentuk pos pengaduan di desa bersama kader dan tokoh masyarakat",
         "menyusun alur rujukan bersama kepolisian, rumah sakit dan psikolog"),
        ("waktu penjangkauan korban sejak pengaduan diterima", "4 hari", "kurang dari 24 jam"),
        ("kasus yang tertangani sampai tuntas", "58 persen", "91 persen"),
        "UPTD PPA, Polresta Sidoarjo, rumah sakit, psikolog dan lembaga bantuan hukum",
        "Rp110.000.000 dari APBD dan DAK nonfisik",
        "5 manajer kasus, 2 psikolog dan 18 pendamping",
    ),
    Proposal(
        "KEC-CANDI", "SIKAT PERDES", "Sistem Konsultasi dan Asistensi Peraturan Desa", "verified", "2022-02-14",
        (16,),
        "layanan asistensi daring bagi pemerintah desa dalam menyusun peraturan desa dan APBDes",
        "rancangan peraturan desa dan APBDes sering dikembalikan berkali-kali karena kesalahan format dan "
        "substansi",
        "perangkat desa dan BPD di seluruh desa Kecamatan Candi",
        "draf dikirim dan dikoreksi bersama secara daring dengan daftar periksa baku sehingga evaluasi selesai "
        "sebelum batas waktu",
        ("menyusun daftar periksa baku untuk rancangan peraturan desa dan APBDes",
         "membuka ruang konsultasi daring dan jadwal klinik tatap muka",
         "memantau tenggat evaluasi setiap desa melalui papan kendali"),
        ("waktu evaluasi rancangan APBDes", "21 hari", "5 hari"),
        ("rancangan peraturan desa yang dikembalikan lebih dari sekali", "63 persen", "12 persen"),
        "Dinas Pemberdayaan Masyarakat dan Desa, Bagian Hukum dan pendamping desa",
        "Rp15.000.000 dari APBD kecamatan",
        "4 pegawai seksi pemerintahan",
    ),
    Proposal(
        "PKM-BUDURAN", "PANTAU TB", "Pendampingan Minum Obat TBC Berbasis Keluarga", "verified", "2021-07-12",
        (3,),
        "pendampingan pengobatan TBC dengan pengawas minum obat dari keluarga dan pemantauan video harian",
        "banyak pasien TBC putus berobat sebelum enam bulan sehingga berisiko kebal obat",
        "pasien TBC dan keluarganya di wilayah kerja Puskesmas Buduran",
        "pengawas minum obat mengirim video singkat setiap hari dan petugas menelepon bila laporan terlewat dua "
        "hari",
        ("melatih anggota keluarga sebagai pengawas minum obat",
         "membuat grup pemantauan harian per pasien",
         "melakukan kunjungan rumah bagi pasien yang laporannya terputus"),
        ("angka keberhasilan pengobatan TBC", "76 persen", "93 persen"),
        ("pasien putus berobat per tahun", "14 orang", "2 orang"),
        "kader TBC, organisasi kemasyarakatan, pemerintah desa dan Dinas Kesehatan",
        "Rp20.000.000 dari dana BOK dan mitra",
        "5 tenaga kesehatan dan 30 kader",
    ),
    Proposal(
        "SMPN1-WARU", "BASIS", "Bank Sampah Siswa", "verified", "2021-08-16", (12, 4, 13),
        "bank sampah sekolah yang menukar sampah terpilah siswa dengan tabungan untuk membeli perlengkapan "
        "sekolah",
        "sampah plastik kantin menumpuk dan siswa belum terbiasa memilah sampah",
        "siswa, guru dan pedagang kantin SMP Negeri 1 Waru",
        "setoran sampah dicatat di buku tabungan digital dan hasilnya dipakai membeli seragam serta buku bagi "
        "siswa kurang mampu",
        ("menyediakan tempat sampah terpilah di setiap kelas dan kantin",
         "membentuk pengurus bank sampah dari siswa dan guru",
         "bekerja sama dengan pengepul daur ulang untuk penjualan rutin"),
        ("sampah sekolah yang dibuang ke TPS per bulan", "2,4 ton", "0,7 ton"),
        ("siswa yang aktif menabung sampah", "0", "640"),
        "DLHK, pengepul daur ulang dan komite sekolah",
        "Rp12.000.000 dari dana BOS dan komite",
        "6 guru dan 25 siswa pengurus",
    ),
    Proposal(
        "RSUD-SIBAR", "SIBAR CEPAT", "Pendaftaran Rawat Jalan Daring dengan Jadwal Dokter Terbuka",
        "verified_in_review", "2022-05-02", (3, 9),
        "pendaftaran rawat jalan daring dengan pilihan jam kedatangan dan jadwal dokter yang diperbarui langsung",
        "pasien rawat jalan datang sejak pagi buta karena tidak ada kepastian jam periksa",
        "pasien rawat jalan RSUD Sidoarjo Barat dari wilayah barat Sidoarjo",
        "pasien memilih jam kedatangan dan mendapat notifikasi bila dokter terlambat atau berhalangan",
        ("membagi kuota pendaftaran per jam untuk setiap poliklinik",
         "menghubungkan jadwal dokter dengan aplikasi pendaftaran",
         "menyiapkan loket bantuan bagi pasien yang tidak memiliki gawai"),
        ("waktu tunggu sejak pendaftaran sampai diperiksa", "3 jam", "55 menit"),
        ("pasien yang mendaftar secara daring", "0 persen", "68 persen"),
        "BPJS Kesehatan dan Dinas Komunikasi dan Informatika",
        "Rp70.000.000 dari BLUD",
        "8 petugas rekam medis dan 2 pengembang",
    ),
    # -- submitted -----------------------------------------------------------------------------------------
    Proposal(
        "DIKBUD", "SAPA SEKOLAH", "Sistem Aduan dan Pendampingan Penerimaan Murid Baru", "submitted",
        "2022-06-13", (4, 10),
        "posko dan kanal aduan terpadu untuk membantu orang tua selama penerimaan murid baru jenjang SD dan SMP",
        "orang tua kebingungan dengan jalur dan dokumen penerimaan murid baru sehingga kantor dinas dipadati "
        "antrean saat pendaftaran",
        "orang tua calon murid SD dan SMP negeri di Kabupaten Sidoarjo",
        "aduan dari WhatsApp, posko kecamatan dan media sosial ditangani dalam satu dasbor dengan batas waktu "
        "jawaban",
        ("membuka posko pendampingan di setiap kecamatan",
         "menyatukan kanal aduan dalam satu dasbor",
         "menerbitkan jawaban atas pertanyaan yang sering muncul setiap hari selama masa pendaftaran"),
        ("waktu jawab aduan penerimaan murid baru", "3 hari", "6 jam"),
        ("antrean orang tua di kantor dinas per hari selama masa pendaftaran", "600 orang", "80 orang"),
        "kecamatan, sekolah negeri, Dinas Komunikasi dan Informatika dan Ombudsman Perwakilan Jawa Timur",
        "Rp45.000.000 dari APBD",
        "20 petugas posko",
    ),
    Proposal(
        "DISNAKER", "DELTA KERJA", "Layanan Pencocokan Pencari Kerja dan Lowongan", "submitted", "2021-10-04",
        (8, 4),
        "layanan daring pencocokan pencari kerja dengan lowongan perusahaan, termasuk kartu AK-1 tanpa datang ke "
        "kantor",
        "pencari kerja harus datang ke kantor untuk kartu AK-1 sementara informasi lowongan tersebar di banyak "
        "tempat",
        "pencari kerja lulusan SMA/SMK dan perguruan tinggi serta perusahaan di Sidoarjo",
        "profil pencari kerja dicocokkan otomatis dengan syarat lowongan dan perusahaan menerima daftar kandidat "
        "terkurasi",
        ("mendaftarkan perusahaan di kawasan industri sebagai mitra lowongan",
         "menerbitkan kartu AK-1 elektronik secara daring",
         "menggelar bursa kerja bulanan berdasarkan hasil pencocokan"),
        ("waktu penerbitan kartu AK-1", "2 hari", "15 menit"),
        ("pencari kerja yang tersalurkan per tahun", "1.900 orang", "5.400 orang"),
        "perusahaan di kawasan industri, SMK, balai latihan kerja dan Dinas Komunikasi dan Informatika",
        "Rp80.000.000 dari APBD",
        "9 pegawai dan pengantar kerja",
    ),
    Proposal(
        "KEC-TAMAN", "PATEN MALAM", "Pelayanan Administrasi Terpadu Kecamatan di Luar Jam Kerja", "submitted",
        "2022-01-17", (8, 16),
        "layanan PATEN kecamatan yang dibuka pada malam hari dan Sabtu pagi bagi warga pekerja",
        "warga yang bekerja di pabrik dan kantor harus izin kerja untuk mengurus administrasi pada jam kantor",
        "warga pekerja dan pelaku usaha di Kecamatan Taman",
        "jam layanan mengikuti pola kerja warga kawasan industri dengan jadwal piket pegawai dan antrean daring",
        ("menetapkan jadwal piket malam dan Sabtu bagi pegawai",
         "membuka antrean daring untuk layanan malam",
         "mengumumkan layanan melalui perusahaan dan serikat pekerja"),
        ("warga yang terlayani di luar jam kerja per bulan", "0", "420"),
        ("indeks kepuasan masyarakat kecamatan", "78,4", "88,1"),
        "pemerintah desa/kelurahan, Dispendukcapil dan perusahaan di kawasan industri",
        "Rp18.000.000 per tahun dari APBD kecamatan untuk uang lembur dan operasional",
        "12 pegawai yang bertugas bergiliran",
    ),
    Proposal(
        "PKM-KEPADANGAN", "SI MBOK", "Sistem Monitoring Bumil dan Bayi oleh Kader", "submitted", "2021-03-22",
        (3, 5),
        "pemantauan ibu hamil dan bayi baru lahir oleh kader melalui kunjungan rumah terjadwal dan formulir "
        "daring",
        "ibu hamil dan bayi baru lahir tidak terpantau setelah pulang dari persalinan sehingga tanda bahaya "
        "terlambat dikenali",
        "ibu hamil, ibu nifas dan bayi baru lahir di wilayah kerja Puskesmas Kepadangan",
        "kader mendapat daftar kunjungan otomatis berdasarkan tanggal persalinan dan mengirim foto buku KIA untuk "
        "diperiksa bidan",
        ("melatih kader mengenali tanda bahaya kehamilan, nifas dan bayi baru lahir",
         "membuat daftar kunjungan rumah otomatis dari register persalinan",
         "menghubungkan laporan kader dengan bidan koordinator"),
        ("cakupan kunjungan neonatal lengkap", "79 persen", "98 persen"),
        ("ibu nifas dengan tanda bahaya yang dirujuk tepat waktu", "61 persen", "95 persen"),
        "bidan praktik mandiri, kader, pemerintah desa dan TP PKK",
        "Rp22.000.000 dari dana BOK",
        "6 bidan dan 55 kader",
    ),
    Proposal(
        "PKM-BALONGBENDO", "DESA SIAGA JIWA", "Layanan Kesehatan Jiwa Berbasis Masyarakat", "submitted",
        "2020-09-14", (3, 10),
        "layanan deteksi dini, pengobatan dan pendampingan orang dengan gangguan jiwa berbasis kader desa",
        "orang dengan gangguan jiwa berat masih ada yang dipasung dan tidak rutin minum obat",
        "orang dengan gangguan jiwa dan keluarganya di wilayah kerja Puskesmas Balongbendo",
        "kader kesehatan jiwa melakukan kunjungan rumah bulanan dan obat diantar ke rumah bagi pasien yang sulit "
        "datang",
        ("melatih kader kesehatan jiwa di setiap desa",
         "mendata dan mengunjungi seluruh pasien gangguan jiwa berat",
         "membebaskan pasien pasung dan merujuknya ke rumah sakit jiwa"),
        ("kasus pemasungan", "4 kasus", "0 kasus"),
        ("pasien gangguan jiwa berat yang rutin berobat", "45 persen", "88 persen"),
        "pemerintah desa, Dinas Sosial, rumah sakit jiwa rujukan dan tokoh agama",
        "Rp18.000.000 dari dana BOK dan dana desa",
        "4 tenaga kesehatan dan 30 kader jiwa",
    ),
    Proposal(
        "SMPN2-SDA", "SAHABAT", "Satuan Anti Perundungan Berbasis Teman Sebaya", "submitted_resubmitted",
        "2021-09-20", (4, 16),
        "program pencegahan perundungan dengan konselor sebaya, kotak aduan daring dan penanganan kasus oleh tim "
        "guru",
        "kasus perundungan di sekolah jarang dilaporkan karena korban takut dan tidak ada saluran yang aman",
        "siswa SMP Negeri 2 Sidoarjo",
        "siswa terlatih menjadi konselor sebaya dan aduan dapat dikirim tanpa nama melalui formulir daring",
        ("melatih konselor sebaya dari setiap kelas",
         "membuka kotak aduan daring tanpa nama",
         "menetapkan tim penanganan kasus dari guru BK dan wali kelas"),
        ("kasus perundungan yang dilaporkan dan ditangani per semester", "2", "27"),
        ("siswa yang merasa aman di sekolah menurut survei", "64 persen", "89 persen"),
        "UPTD PPA, psikolog puskesmas dan komite sekolah",
        "Rp9.000.000 dari dana BOS",
        "8 guru BK dan wali kelas serta 36 konselor sebaya",
        comment="Mohon lampirkan SK Kepala Sekolah tentang tim SAHABAT dan rekap kasus per semester.",
    ),
    # -- rejected -------------------------------------------------------------------------------------------
    Proposal(
        "DISKOPUM", "KURASI UMKM", "Klinik Kurasi dan Pemasaran Daring Produk Usaha Mikro", "rejected_admin",
        "2021-05-03", (8,),
        "klinik kurasi kemasan, foto produk dan pendaftaran lokapasar bagi usaha mikro",
        "produk usaha mikro sulit bersaing di pasar daring karena kemasan dan foto produk kurang menarik",
        "usaha mikro binaan Dinas Koperasi dan Usaha Mikro",
        "pelaku usaha mendapat kurasi, foto produk dan akun toko daring dalam satu kali kunjungan klinik",
        ("menjadwalkan klinik kurasi setiap bulan",
         "menyediakan studio foto produk sederhana",
         "mendampingi pembukaan toko di lokapasar"),
        ("usaha mikro binaan yang berjualan daring", "12 persen", "47 persen"),
        ("omzet rata-rata usaha binaan per bulan", "Rp6 juta", "Rp9,5 juta"),
        "asosiasi UMKM, lokapasar dan perguruan tinggi",
        "Rp50.000.000 dari APBD",
        "6 pendamping",
        comment="Seleksi administrasi: judul dan substansi sama dengan inovasi yang diusulkan pada kompetisi "
                "sebelumnya tanpa pengembangan baru (duplikasi).",
    ),
    Proposal(
        "KEC-KRIAN", "SATU DATA KRIAN", "Dasbor Data Kependudukan dan Sosial Desa", "rejected_admin",
        "2022-04-11", (16, 17),
        "dasbor data kependudukan dan sosial tingkat kecamatan yang dihimpun dari laporan desa",
        "data penduduk antardesa berbeda-beda sehingga perencanaan kecamatan tidak akurat",
        "pemerintah desa dan perangkat Kecamatan Krian",
        "laporan desa diisi pada formulir seragam dan langsung tampil sebagai grafik di kantor kecamatan",
        ("menyeragamkan format laporan bulanan desa",
         "melatih operator desa mengisi formulir daring",
         "menyajikan dasbor dalam rapat koordinasi kecamatan"),
        ("waktu rekapitulasi data penduduk kecamatan", "2 minggu", "1 hari"),
        ("desa yang melapor tepat waktu", "40 persen", "85 persen"),
        "pemerintah desa dan Dispendukcapil",
        "Rp10.000.000 dari APBD kecamatan",
        "3 pegawai kecamatan",
        comment="Seleksi administrasi: lampiran hanya berisi foto kegiatan; SK tim inovasi dan data kinerja "
                "sebelum dan sesudah tidak tersedia.",
    ),
    Proposal(
        "PKM-SEDATI", "POSBINDU NELAYAN", "Pos Pembinaan Terpadu Penyakit Tidak Menular bagi Nelayan",
        "rejected_desk", "2022-03-07", (3, 14),
        "posbindu keliling di tempat pelelangan dan kampung nelayan untuk skrining penyakit tidak menular",
        "nelayan jarang memeriksakan kesehatan karena berangkat melaut sejak dini hari",
        "nelayan dan keluarganya di desa pesisir Kecamatan Sedati",
        "pemeriksaan dilakukan saat nelayan pulang melaut di tempat pelelangan ikan",
        ("menyesuaikan jadwal posbindu dengan jam pulang melaut",
         "melatih kader dari keluarga nelayan",
         "merujuk nelayan dengan faktor risiko ke puskesmas"),
        ("nelayan yang diskrining per tahun", "150 orang", "820 orang"),
        ("kasus hipertensi baru yang ditemukan dan diobati", "20", "96"),
        "kelompok nelayan, pemerintah desa dan Dinas Perikanan",
        "Rp14.000.000 dari dana BOK",
        "4 tenaga kesehatan dan 12 kader",
        comment="Penilaian proposal: dampak belum terukur dan belum dapat dibedakan dari kegiatan posbindu rutin; "
                "silakan diajukan kembali dengan data keberlanjutan.",
    ),
    Proposal(
        "DISPERINDAG", "SI HARGA", "Sistem Informasi Harga Bahan Pokok Harian", "rejected_desk", "2021-02-08",
        (2, 12),
        "informasi harga bahan pokok harian dari pasar tradisional melalui laman dan media sosial",
        "warga dan pedagang tidak memiliki acuan harga bahan pokok yang mutakhir",
        "konsumen, pedagang pasar dan pemerintah daerah",
        "petugas pasar memotret papan harga setiap pagi dan data langsung diolah menjadi grafik harian",
        ("menugaskan petugas pencatat harga di setiap pasar",
         "menerbitkan harga harian di laman dan media sosial",
         "mengirim peringatan kenaikan harga ke tim pengendali inflasi"),
        ("pasar yang melaporkan harga setiap hari", "3 pasar", "14 pasar"),
        ("waktu publikasi harga bahan pokok", "mingguan", "harian pukul 10.00"),
        "pengelola pasar, tim pengendali inflasi daerah dan Dinas Komunikasi dan Informatika",
        "Rp20.000.000 dari APBD",
        "5 pegawai dan 14 petugas pasar",
        comment="Penilaian proposal: inovasi serupa sudah lazim di banyak daerah dan proposal belum menunjukkan "
                "nilai tambah maupun dampak terhadap stabilitas harga.",
    ),
    Proposal(
        "SMPN1-TAMAN", "PANTAU ANAKKU", "Portal Orang Tua untuk Nilai dan Kehadiran", "rejected_admin",
        "2022-07-18", (4,),
        "portal orang tua untuk memantau kehadiran, tugas dan nilai siswa setiap hari",
        "orang tua baru mengetahui masalah belajar anak saat pembagian rapor",
        "orang tua dan wali siswa SMP Negeri 1 Taman",
        "orang tua menerima ringkasan mingguan kehadiran dan nilai melalui pesan singkat",
        ("mengaktifkan akun orang tua untuk setiap siswa",
         "mewajibkan guru mengisi kehadiran dan nilai setiap hari",
         "menggelar pertemuan wali kelas berdasarkan data portal"),
        ("orang tua yang memantau perkembangan anak setiap pekan", "10 persen", "71 persen"),
        ("ketidakhadiran siswa tanpa keterangan per bulan", "48", "17"),
        "komite sekolah dan paguyuban orang tua",
        "Rp8.000.000 dari dana BOS",
        "5 guru dan 1 operator sekolah",
        comment="Seleksi administrasi: inovasi berupa pemakaian aplikasi pihak ketiga tanpa pengembangan oleh "
                "sekolah, dan tanggal mulai penerapan tidak didukung bukti.",
    ),
    # -- withdrawn --------------------------------------------------------------------------------------------
    Proposal(
        "DPMD", "SIPADES", "Sistem Pelaporan Aset dan Keuangan BUMDes", "withdrawn_draft", "2023-01-09", (8, 16),
        "aplikasi pelaporan keuangan dan aset BUMDes yang terhubung dengan pemerintah desa",
        "laporan keuangan BUMDes terlambat dan sulit diperiksa",
        "pengelola BUMDes dan pemerintah desa",
        "laporan disusun otomatis dari transaksi harian sehingga pengurus tidak perlu membuat laporan terpisah",
        ("melatih pengurus BUMDes mencatat transaksi harian",
         "menyediakan format laporan baku",
         "memantau kepatuhan pelaporan setiap triwulan"),
        ("BUMDes yang menyampaikan laporan tepat waktu", "30 persen", "64 persen"),
        ("temuan pemeriksaan keuangan BUMDes per tahun", "85", "40"),
        "pemerintah desa, pendamping desa dan Inspektorat",
        "Rp35.000.000 dari APBD",
        "4 pegawai dan pendamping desa",
        comment="Ditarik untuk disempurnakan dan akan diajukan pada kompetisi berikutnya.",
    ),
    Proposal(
        "KEC-JABON", "SIAGA TANGGUL", "Patroli Warga Pemantau Tanggul dan Saluran", "withdrawn_submitted",
        "2022-02-21", (11, 13),
        "patroli warga terjadwal untuk memantau tanggul dan saluran serta melaporkan kerusakan secara cepat",
        "kerusakan tanggul dan saluran baru diketahui setelah terjadi limpasan air",
        "warga desa di sekitar tanggul dan saluran di Kecamatan Jabon",
        "laporan patroli dengan foto dan titik lokasi diterima kecamatan dan instansi teknis pada saat yang sama",
        ("membentuk regu patroli warga di setiap desa",
         "menyusun jadwal patroli dan format laporan",
         "meneruskan laporan ke instansi teknis terkait"),
        ("waktu pelaporan kerusakan tanggul", "3 hari", "2 jam"),
        ("kejadian limpasan air di permukiman per tahun", "9", "3"),
        "pemerintah desa, BPBD dan Dinas PU Bina Marga dan Sumber Daya Air",
        "Rp12.000.000 dari APBD kecamatan",
        "3 pegawai kecamatan dan 45 relawan",
        comment="Unit memutuskan menarik usulan karena data kinerja tahun berjalan belum lengkap.",
    ),
    Proposal(
        "PKM-TAMAN", "LANSIA AKTIF", "Kelas Lansia Aktif dan Mandiri", "withdrawn_draft", "2023-05-08", (3,),
        "kelas rutin senam, pemeriksaan kesehatan dan edukasi bagi warga lanjut usia",
        "warga lanjut usia jarang memeriksakan kesehatan dan kurang beraktivitas fisik",
        "warga lanjut usia di wilayah kerja Puskesmas Taman",
        "kelas diadakan bergiliran di balai RW dengan pemeriksaan kesehatan sederhana setiap pertemuan",
        ("membentuk kelas lansia di setiap RW",
         "melatih kader lansia",
         "mencatat hasil pemeriksaan dalam kartu sehat lansia"),
        ("lansia yang diperiksa setiap bulan", "22 persen", "58 persen"),
        ("lansia yang aktif mengikuti senam mingguan", "150 orang", "610 orang"),
        "pemerintah desa/kelurahan, kader lansia dan TP PKK",
        "Rp16.000.000 dari dana BOK",
        "4 tenaga kesehatan dan 40 kader",
        comment="Ditarik karena akan digabung dengan program posyandu lansia.",
    ),
    # -- draft ----------------------------------------------------------------------------------------------
    Proposal(
        "KOMINFO", "SATU AKUN SIDOARJO", "Akun Tunggal Layanan Publik Daerah", "draft", "2023-03-01", (16, 9),
        "akun tunggal yang dipakai warga untuk masuk ke seluruh aplikasi layanan publik Pemerintah Kabupaten "
        "Sidoarjo",
        "warga harus membuat akun berbeda untuk setiap aplikasi layanan dan sering lupa kata sandi",
        "warga pengguna aplikasi layanan publik daerah",
        "satu akun terverifikasi NIK dipakai di semua aplikasi layanan dengan riwayat permohonan terpadu",
        ("menyusun standar integrasi akun untuk aplikasi perangkat daerah",
         "menghubungkan aplikasi layanan secara bertahap",
         "menyediakan layanan bantuan pengguna"),
        ("aplikasi layanan yang terhubung ke akun tunggal", "0", "17"),
        ("permintaan reset kata sandi per bulan", "1.200", "300"),
        "seluruh perangkat daerah dan Dispendukcapil",
        "Rp180.000.000 dari APBD",
        "7 pengembang dan 3 petugas layanan bantuan",
    ),
    Proposal(
        "P2CKTR", "PBG RUMAHKU", "Pendampingan Persetujuan Bangunan Gedung untuk Rumah Tinggal", "draft_returned",
        "2022-10-03", (11,),
        "pendampingan pengurusan Persetujuan Bangunan Gedung bagi rumah tinggal sederhana, termasuk gambar "
        "prototipe gratis",
        "warga enggan mengurus PBG rumah tinggal karena harus menyiapkan gambar teknis yang mahal",
        "warga yang membangun atau merenovasi rumah tinggal sederhana",
        "warga memilih gambar prototipe rumah yang sudah disetujui sehingga tidak perlu membayar jasa perencana",
        ("menyiapkan gambar prototipe rumah tinggal sederhana",
         "membuka klinik konsultasi PBG di kecamatan",
         "mendampingi pengajuan melalui sistem informasi bangunan gedung"),
        ("PBG rumah tinggal yang terbit per tahun", "310", "1.450"),
        ("biaya yang dikeluarkan warga untuk gambar teknis", "Rp3 juta", "Rp0"),
        "kecamatan, asosiasi profesi arsitek dan pemerintah desa",
        "Rp40.000.000 dari APBD",
        "6 pegawai dan 4 tenaga ahli",
        comment="Lengkapi data PBG terbit per tahun sebelum inovasi dan SK tim yang ditandatangani kepala dinas.",
    ),
    Proposal(
        "DAMKAR", "DAMKAR SIGAP 112", "Respons Cepat Kebakaran Terintegrasi Call Center 112", "draft", "2022-08-15",
        (11, 3),
        "penanganan kebakaran dan penyelamatan yang terhubung langsung dengan call center 112 dan pos damkar "
        "terdekat",
        "laporan kebakaran diteruskan berantai sehingga armada terlambat berangkat",
        "warga dan pelaku usaha di seluruh Kabupaten Sidoarjo",
        "laporan dari 112 langsung muncul di pos damkar terdekat lengkap dengan titik lokasi pelapor",
        ("menghubungkan call center 112 dengan seluruh pos damkar",
         "melatih petugas penerima laporan",
         "mengevaluasi waktu tanggap setiap kejadian"),
        ("waktu tanggap sejak laporan sampai armada tiba", "25 menit", "12 menit"),
        ("kejadian yang tertangani dalam standar waktu tanggap", "48 persen", "86 persen"),
        "call center 112, kepolisian, BPBD dan relawan kebakaran",
        "Rp60.000.000 dari APBD",
        "14 petugas piket",
    ),
    Proposal(
        "KEC-SEDATI", "KAMPUNG MANGROVE", "Edukasi dan Wisata Mangrove Berbasis Warga", "draft", "2022-11-07",
        (14, 13, 8),
        "kawasan edukasi mangrove yang dikelola kelompok warga bersama sekolah dan pelaku wisata",
        "kawasan pesisir mengalami abrasi dan warga belum merasakan manfaat ekonomi dari mangrove",
        "warga desa pesisir, sekolah dan pengunjung kawasan mangrove di Kecamatan Sedati",
        "sekolah dan pengunjung menanam serta mengadopsi bibit mangrove yang dipantau kelompok warga",
        ("membentuk kelompok pengelola mangrove",
         "membuat jalur edukasi dan papan informasi",
         "membuka program adopsi bibit bagi sekolah dan perusahaan"),
        ("luas tanaman mangrove baru", "2 hektare", "11 hektare"),
        ("pengunjung edukasi per tahun", "500 orang", "6.000 orang"),
        "pemerintah desa, Dinas Perikanan, sekolah dan dunia usaha",
        "Rp25.000.000 dari APBD kecamatan dan CSR",
        "3 pegawai kecamatan dan 20 anggota kelompok warga",
    ),
    Proposal(
        "KEC-TANGGULANGIN", "KLINIK PERAJIN", "Pendampingan Legalitas dan Merek Perajin Tas Tanggulangin",
        "draft_returned", "2022-04-04", (8, 9),
        "klinik pendampingan NIB, sertifikasi halal dan pendaftaran merek bagi perajin tas dan koper",
        "banyak perajin tas belum memiliki legalitas usaha dan merek sehingga produknya mudah ditiru",
        "perajin tas dan koper di sentra industri Tanggulangin",
        "perajin dilayani di sentra industri dalam satu meja untuk NIB, merek dan pemasaran",
        ("mendata perajin yang belum memiliki legalitas",
         "membuka klinik pendampingan pekanan di sentra",
         "menghubungkan perajin dengan pameran dan pasar daring"),
        ("perajin yang memiliki NIB", "35 persen", "82 persen"),
        ("merek perajin yang didaftarkan", "4", "37"),
        "Dinas Perindustrian dan Perdagangan, DPMPTSP dan koperasi perajin",
        "Rp20.000.000 dari APBD kecamatan",
        "4 pegawai kecamatan",
        comment="Lengkapi data kinerja sebelum dan sesudah serta SK tim inovasi yang ditandatangani camat.",
    ),
    Proposal(
        "PKM-WARU", "CEK GULA KELILING", "Skrining Diabetes di Tempat Kerja", "draft", "2025-02-03", (3, 8),
        "skrining gula darah dan edukasi diabetes yang didatangkan ke pabrik dan kantor",
        "pekerja usia produktif jarang memeriksakan gula darah sehingga diabetes ditemukan terlambat",
        "pekerja pabrik dan kantor di wilayah kerja Puskesmas Waru",
        "pemeriksaan dijadwalkan bersama bagian personalia perusahaan dan hasilnya dipantau bersama klinik "
        "perusahaan",
        ("menyusun jadwal kunjungan ke perusahaan",
         "melatih petugas klinik perusahaan",
         "merujuk pekerja dengan gula darah tinggi ke puskesmas"),
        ("pekerja yang diskrining gula darah per tahun", "300", "2.500"),
        ("kasus diabetes baru yang ditemukan dan diobati", "15", "110"),
        "perusahaan, klinik perusahaan dan BPJS Kesehatan",
        "Rp15.000.000 dari dana BOK",
        "5 tenaga kesehatan",
    ),
    Proposal(
        "SMPN3-SDA", "ROBOTIK INKLUSIF", "Ekstrakurikuler Robotika bagi Siswa Berkebutuhan Khusus", "draft",
        "2025-07-14", (4, 10),
        "ekstrakurikuler robotika dengan modul yang disesuaikan bagi siswa berkebutuhan khusus",
        "siswa berkebutuhan khusus jarang mendapat kesempatan mengikuti kegiatan sains dan teknologi",
        "siswa berkebutuhan khusus dan teman sebayanya di SMP Negeri 3 Sidoarjo",
        "siswa belajar berpasangan dengan modul bergambar dan perangkat robotika sederhana",
        ("menyusun modul robotika yang mudah dipahami",
         "melatih guru pendamping khusus",
         "menggelar pameran karya siswa setiap semester"),
        ("siswa berkebutuhan khusus yang mengikuti ekstrakurikuler sains", "0", "18"),
        ("karya robotika siswa yang dipamerkan", "0", "12"),
        "komite sekolah, perguruan tinggi dan komunitas robotika",
        "Rp12.000.000 dari dana BOS",
        "3 guru dan 2 mahasiswa pendamping",
    ),
)

PEERS = {
    "opd": "perangkat daerah lain di Sidoarjo maupun kabupaten/kota lain",
    "kecamatan": "17 kecamatan lain di Sidoarjo",
    "puskesmas": "30 puskesmas lain di Sidoarjo",
    "smp": "SMP negeri dan swasta lain",
    "lainnya": "unit layanan lain",
}

SUMMARY = (
    "{A} ({N}) adalah {S}, yang dikembangkan oleh {U} sejak {start}. Inovasi ini lahir karena {P}. Sasaran "
    "utamanya adalah {T}. Hasilnya terukur: {i1} berubah dari {b1} menjadi {a1}, dan {i2} dari {b2} menjadi {a2}. "
    "{A} dijalankan bersama {partners}.",
    "Sejak {start}, {U} menjalankan {A} ({N}), yaitu {S}. Sebelum ada {A}, {P}. Kini {T} merasakan perubahan "
    "nyata: {i1} berubah dari {b1} menjadi {a1}. Biaya operasionalnya kecil dan {A} telah menjadi bagian dari "
    "layanan rutin.",
    "{N} ({A}) menjawab persoalan yang lama dikeluhkan: {P}. Jawabannya adalah {S}. Selama {years} tahun "
    "penerapan, {i1} berubah dari {b1} menjadi {a1} dan {i2} dari {b2} menjadi {a2}. {A} kini menjadi layanan "
    "andalan {U} bagi {T}.",
)

BACKGROUND = (
    "{Pc}. Kondisi ini paling dirasakan oleh {T}. Pada awal {start_year}, data {U} mencatat {i1} sebesar {b1} dan "
    "{i2} sebesar {b2}. Tujuan {A} terukur: (1) {i1} berubah dari {b1} menjadi {a1}; (2) {i2} berubah dari {b2} "
    "menjadi {a2}; (3) layanan menjadi lebih terbuka dan mudah dipantau warga. Target tersebut dimasukkan dalam rencana "
    "kerja {U} dan dievaluasi setiap triwulan.",
    "Masalah utama yang ingin diselesaikan: {P}. Kelompok sasarannya adalah {T}. Ukuran keberhasilan ditetapkan "
    "sejak awal, yaitu {i1} (kondisi awal {b1}, target {a1}) dan {i2} (kondisi awal {b2}, target {a2}). Dengan "
    "tujuan yang terukur, tim dapat menilai sendiri apakah {A} benar-benar mengubah keadaan.",
    "Pengaduan dan survei kepuasan masyarakat menunjukkan bahwa {P}. Dampaknya paling berat bagi {T}. {A} "
    "dirancang dengan tujuan yang jelas dan terukur: {i1} dari {b1} menjadi {a1}, serta {i2} dari {b2} menjadi "
    "{a2}, tanpa menambah biaya bagi masyarakat.",
)

NOVELTY = (
    "Kebaruan {A} terletak pada cara kerjanya: {novelty}. Pendekatan ini belum pernah diterapkan oleh {U} dan "
    "berbeda dari layanan sebelumnya yang masih mengandalkan tatap muka dan berkas kertas. Nilai tambahnya adalah "
    "kepastian waktu, keterbukaan proses dan data yang dapat dipakai untuk memperbaiki layanan.",
    "Yang baru dari {A}: {novelty}. Sebelumnya warga harus menyesuaikan diri dengan prosedur kantor; kini "
    "prosedurlah yang menyesuaikan diri dengan kebutuhan {T}. {A} juga menghasilkan data harian yang sebelumnya "
    "tidak pernah tersedia.",
    "{A} memberi nilai tambah berupa {novelty}. Di Kabupaten Sidoarjo, pendekatan ini pertama kali diterapkan "
    "untuk layanan sejenis, dengan memadukan teknologi sederhana dan peran aktif masyarakat.",
)

IMPLEMENTATION = (
    "{A} diterapkan mulai {start} berdasarkan {sk}. Tahapannya: (1) {s1}; (2) {s2}; (3) {s3}. Uji coba "
    "berlangsung pada tiga bulan pertama, kemudian diperluas ke seluruh wilayah layanan setelah dievaluasi "
    "bersama {partners}.",
    "Implementasi dilakukan bertahap. Pertama, {s1}. Kedua, {s2}. Ketiga, {s3}. Dasar pelaksanaannya adalah "
    "{sk}, dan sejak {start} {A} berjalan tanpa henti.",
    "Langkah yang telah dijalankan sejak {start}: {s1}; {s2}; serta {s3}. Seluruh langkah dikoordinasikan oleh "
    "tim yang ditetapkan dengan {sk}.",
)

SIGNIFICANCE = (
    "Sebelum {A}: {P}. {I1c} tercatat {b1}, sedangkan {i2} {b2}. Sesudah {A}: {i1} menjadi {a1} dan {i2} "
    "menjadi {a2}. Nilai survei kepuasan masyarakat pada layanan ini naik dari {skm0} menjadi {skm1}. Perubahan "
    "diukur dengan {measure}, dengan membandingkan satu tahun sebelum dan sesudah penerapan. Manfaat terbesar "
    "dirasakan oleh {T}, yang kini menghemat waktu, biaya transportasi dan tenaga. Bagi {U}, data dari {A} menjadi "
    "dasar perencanaan dan penganggaran tahun berikutnya.",
    "Signifikansi {A} terlihat dari perbandingan sebelum dan sesudah penerapan. {I1c}: {b1} sebelum, {a1} "
    "sesudah. {I2c}: {b2} sebelum, {a2} sesudah. Indeks kepuasan masyarakat naik dari {skm0} menjadi {skm1}. "
    "Seluruh angka berasal dari {measure} dan diverifikasi oleh tim evaluasi internal {U}. Di luar angka, {A} "
    "mengubah cara petugas bekerja: keputusan diambil berdasarkan data, dan warga dapat ikut mengawasi.",
    "Dampak {A} terukur dan konsisten. Pengukuran menggunakan {measure}. Hasilnya, {i1} berubah dari {b1} menjadi "
    "{a1} sesuai target yang ditetapkan, dan {i2} dari {b2} menjadi {a2}. Survei kepuasan menunjukkan kenaikan "
    "dari {skm0} menjadi {skm1}. Masyarakat sasaran, yaitu {T}, menyatakan layanan kini lebih mudah, cepat dan "
    "jelas.",
)

ADAPTABILITY = (
    "{repl} {A} mudah direplikasi karena memakai sarana yang sudah dimiliki hampir semua unit layanan, biaya "
    "awalnya kecil, dan prosedurnya dituangkan dalam SOP tertulis. Potensi replikasi terbuka bagi {peers}.",
    "{repl} Kunci replikasi {A} adalah SOP, format data dan materi pelatihan yang telah dibakukan oleh {U}. "
    "Bahan tersebut siap dibagikan kepada {peers} yang menghadapi masalah serupa.",
    "{repl} Karena tidak bergantung pada teknologi mahal, {A} dapat diterapkan oleh {peers} dengan penyesuaian "
    "kecil pada jadwal dan pembagian tugas petugas.",
)

RESOURCES = (
    "Anggaran: {budget}. Sumber daya manusia: {team}. Metode kerja: rapat koordinasi rutin, SOP tertulis dan "
    "evaluasi bulanan. Peralatan: komputer, jaringan internet kantor dan gawai petugas.",
    "{A} dibiayai dengan {budget}. Pelaksananya {team}, dengan pembagian tugas yang ditetapkan dalam {sk}. "
    "Sarana yang dipakai sebagian besar sudah tersedia di {U}, sehingga tambahan belanja modal relatif kecil.",
    "Sumber daya {A} meliputi {team}, dengan anggaran {budget}. Metode yang digunakan adalah pendampingan "
    "langsung, pencatatan daring dan evaluasi berkala bersama {partners}.",
)

SUSTAINABILITY = (
    "Keberlanjutan kelembagaan: {A} ditetapkan dengan {sk} dan masuk dalam standar pelayanan {U}. Keberlanjutan "
    "manajerial: anggaran operasional dialokasikan dalam DPA setiap tahun, SOP dibakukan, dan tim melakukan "
    "evaluasi bulanan. Keberlanjutan sosial: {partners} terlibat aktif, sehingga {A} tidak bergantung pada satu "
    "orang pimpinan.",
    "Strategi keberlanjutan disusun pada tiga aras. Institusional: dasar hukum berupa {sk} dan rencana penguatan "
    "menjadi Peraturan Bupati. Manajerial: pembagian tugas yang jelas, pelatihan petugas pengganti dan pemantauan "
    "kinerja melalui dasbor. Sosial: keterlibatan {partners} serta umpan balik rutin dari {T}.",
    "{A} dijaga keberlanjutannya melalui regulasi ({sk}), alokasi anggaran rutin, kaderisasi petugas dan kemitraan "
    "dengan {partners}. Evaluasi tahunan memastikan {A} terus menyesuaikan diri dengan kebutuhan {T}.",
)

JUROR_COMMENTS = (
    "Inovasi relevan dengan masalah publik dan data sebelum-sesudah cukup meyakinkan.",
    "Dampak terukur dengan baik; strategi keberlanjutan perlu diperkuat dengan regulasi yang lebih tinggi.",
    "Kebaruan cukup, potensi replikasi tinggi. Perlu bukti dukung yang lebih rinci untuk data kinerja.",
    "Proposal runtut dan jelas. Kolaborasi dengan pemangku kepentingan menjadi kekuatan utama.",
    "Manfaat bagi kelompok rentan terlihat nyata; anggaran efisien.",
)

TEAM_FIRST = ("Ahmad", "Siti", "Dwi", "Rizky", "Nur", "Eko", "Lilik", "Agus", "Endang", "Bambang", "Yuni", "Fajar",
              "Dian", "Hendra", "Wahyu", "Ratna", "Indah", "Moch.", "Sri", "Tri")
TEAM_LAST = ("Santoso", "Wahyuni", "Hidayat", "Rahmawati", "Prasetyo", "Susanti", "Kurniawan", "Lestari",
             "Setiawan", "Maulidah", "Fauzi", "Anggraini", "Firmansyah", "Handayani", "Saputra", "Purnomo")


def _cap(text):
    return text[:1].upper() + text[1:]


def _years_between(start, today):
    return today.year - start.year - ((today.month, today.day) < (start.month, start.day))


def signer(unit):
    """Who signs the unit's decrees: ``Camat Porong``, ``Kepala Dinas Kesehatan``."""
    if unit.kind == "kecamatan":
        return "Camat " + unit.name.replace("Kecamatan ", "")
    if unit.code.startswith("SETDA"):
        return "Sekretaris Daerah Kabupaten Sidoarjo"
    return "Kepala " + unit.name


def sk_number(proposal, index):
    return f"188/{17 + index * 7}/438.{5 + index % 9}.{1 + index % 4}/{proposal.started[:4]}"


def _sk(proposal, unit, index):
    return f"Surat Keputusan {signer(unit)} Nomor {sk_number(proposal, index)} tentang Tim Inovasi {proposal.acronym}"


def proposal_sections(proposal, unit, index, today):
    """The eight proposal sections of one demo proposal, varied by ``index``."""
    started = datetime.date.fromisoformat(proposal.started)
    rng = random.Random(f"skm-{proposal.acronym}")
    skm0 = rng.randint(720, 800) / 10
    skm1 = min(97.5, skm0 + rng.randint(50, 120) / 10)
    i1, b1, a1 = proposal.ind1
    i2, b2, a2 = proposal.ind2
    values = {
        "A": proposal.acronym, "N": proposal.name, "S": proposal.solution, "P": proposal.problem,
        "Pc": _cap(proposal.problem), "T": proposal.target, "U": unit.name, "novelty": proposal.novelty,
        "start": f"{MONTHS[started.month - 1]} {started.year}", "start_year": started.year,
        "years": max(1, _years_between(started, today)),
        "i1": i1, "b1": b1, "a1": a1, "i2": i2, "b2": b2, "a2": a2, "I1c": _cap(i1), "I2c": _cap(i2),
        "s1": proposal.steps[0], "s2": proposal.steps[1], "s3": proposal.steps[2],
        "partners": proposal.partners, "budget": proposal.budget, "team": proposal.team,
        "sk": _sk(proposal, unit, index), "peers": PEERS.get(unit.kind, PEERS["lainnya"]),
        "measure": proposal.measure or f"data layanan {unit.name}, laporan bulanan dan survei kepuasan masyarakat "
                                       "per semester",
        "skm0": f"{skm0:.1f}".replace(".", ","), "skm1": f"{skm1:.1f}".replace(".", ","),
        "repl": proposal.replicated or f"{proposal.acronym} belum direplikasi secara resmi, tetapi beberapa unit "
                                       "telah meminta paparan dan bahan SOP-nya.",
    }
    templates = (("summary", SUMMARY), ("background", BACKGROUND), ("novelty", NOVELTY),
                 ("implementation", IMPLEMENTATION), ("significance", SIGNIFICANCE), ("adaptability", ADAPTABILITY),
                 ("resources", RESOURCES), ("sustainability", SUSTAINABILITY))
    return {name: variants[(index + offset) % len(variants)].format(**values)
            for offset, (name, variants) in enumerate(templates)}


def video_url(proposal):
    digest = hashlib.sha256(proposal.acronym.encode()).hexdigest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    video_id = "".join(alphabet[int(digest[i:i + 2], 16) % 64] for i in range(0, 22, 2))
    return f"https://www.youtube.com/watch?v={video_id}"


# -- a small real PDF ------------------------------------------------------------------------------------


def _pdf_text(text):
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def simple_pdf(lines, title):
    """A valid one-page A4 PDF (Helvetica, WinAnsi) showing ``lines``; a line starting with ``#`` is bold."""
    content = [b"BT", b"56 780 Td", b"16 TL"]
    for line in lines:
        font = b"/F2 12 Tf" if line.startswith("#") else b"/F1 11 Tf"
        content.append(font + b" (" + _pdf_text(line.lstrip("#")) + b") Tj T*")
    content.append(b"ET")
    stream = b"\n".join(content)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d%H%M%SZ")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title (" + _pdf_text(title) + b") /Producer (SIKIPP demo) /CreationDate (D:" + now.encode() + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


# -- innovator team and typed evidence (issue 12) ---------------------------------------------------------------

# The demo competition's evidence kinds (SINOVIK asks for typed PDFs of at most 1 MB; IID IND-02 is the team's SK).
DEMO_EVIDENCE_KINDS = [
    {"code": "sk_tim", "label": "SK tim inovasi", "required": True, "max_mb": 1},
    {"code": "bukti_implementasi", "label": "Bukti implementasi", "required": True, "max_mb": 1},
    {"code": "dokumentasi", "label": "Dokumentasi kegiatan", "required": False, "max_mb": 2},
]
TEAM_ROLES = ("Ketua", "Sekretaris", "Anggota", "Anggota")
TEAM_POSITIONS = ("Kepala Bidang Pelayanan", "Kepala Subbagian Umum dan Kepegawaian", "Analis Kebijakan",
                  "Pranata Komputer")


def demo_team(proposal, unit):
    """The innovator team of a demo proposal (the same names as its SK): civil servants with an 18-digit NIP
    (birth date, appointment month, sex, number), except the last member, a contract worker without one."""
    rng = random.Random(f"team-{proposal.acronym}")
    members = [f"{rng.choice(TEAM_FIRST)} {rng.choice(TEAM_LAST)}" for _ in range(4)]
    team = []
    for number, (name, role, position) in enumerate(zip(members, TEAM_ROLES, TEAM_POSITIONS), start=1):
        born = datetime.date(rng.randint(1970, 1992), rng.randint(1, 12), rng.randint(1, 28))
        appointed = f"{born.year + rng.randint(22, 28)}{rng.randint(1, 12):02d}"
        nip = f"{born:%Y%m%d}{appointed}{rng.randint(1, 2)}{rng.randint(1, 30):03d}" if number < 4 else ""
        member = {"name": name, "nip": nip, "position": position if nip else "Tenaga kontrak", "role": role}
        if number == 1:
            member["contact"] = f"inovasi.{_compact(proposal.acronym).lower()}@sidoarjokab.go.id"
        team.append(member)
    return team


def team_decree_pdf(proposal, unit, index):
    """The SK of the innovation team, as a demo attachment (kind ``sk_tim``)."""
    started = datetime.date.fromisoformat(proposal.started)
    lines = [
        "#PEMERINTAH KABUPATEN SIDOARJO",
        f"#{unit.name.upper()}",
        "",
        f"#KEPUTUSAN {signer(unit).upper()}",
        f"NOMOR {sk_number(proposal, index)}",
        "TENTANG",
        f"#TIM INOVASI {proposal.acronym.upper()}",
        "",
        f"Menetapkan susunan Tim Inovasi {proposal.acronym} ({proposal.name}):",
        *[f"{i}. {m['name']} - {m['role']}" for i, m in enumerate(demo_team(proposal, unit), start=1)],
        "",
        f"Ditetapkan di Sidoarjo pada tanggal {tanggal(started)}",
        signer(unit),
        "",
        "Dokumen contoh data demo SIKIPP, bukan dokumen resmi.",
    ]
    return simple_pdf(lines, f"SK Tim Inovasi {proposal.acronym}")


def implementation_pdf(proposal, unit):
    """Proof that the innovation runs (kind ``bukti_implementasi``): a short report of the unit."""
    started = datetime.date.fromisoformat(proposal.started)
    lines = [
        "#PEMERINTAH KABUPATEN SIDOARJO",
        f"#{unit.name.upper()}",
        "",
        f"#LAPORAN IMPLEMENTASI INOVASI {proposal.acronym.upper()}",
        f"{proposal.name}",
        "",
        f"Inovasi diterapkan sejak {tanggal(started)} untuk {proposal.target}.",
        f"Langkah: {proposal.steps[0]}; {proposal.steps[1]}; {proposal.steps[2]}.",
        "",
        signer(unit),
        "",
        "Dokumen contoh data demo SIKIPP, bukan dokumen resmi.",
    ]
    return simple_pdf(lines, f"Bukti Implementasi {proposal.acronym}")


def documentation_pdf(proposal, unit):
    """Activity documentation (optional kind ``dokumentasi``)."""
    lines = ["#DOKUMENTASI KEGIATAN", f"#{proposal.acronym.upper()} - {unit.name}", "",
             f"Sosialisasi dan pelaksanaan layanan {proposal.acronym} bersama {proposal.partners}.", "",
             "Dokumen contoh data demo SIKIPP, bukan dokumen resmi."]
    return simple_pdf(lines, f"Dokumentasi {proposal.acronym}")


def demo_evidence(proposal, unit, index):
    """(file name, bytes, kind) of a demo proposal's uploads: every required kind, documentation for some."""
    stem = proposal.acronym.replace(" ", "_")
    files = [(f"SK_Tim_Inovasi_{stem}.pdf", team_decree_pdf(proposal, unit, index), "sk_tim"),
             (f"Bukti_Implementasi_{stem}.pdf", implementation_pdf(proposal, unit), "bukti_implementasi")]
    if index % 3 == 0:
        files.append((f"Dokumentasi_{stem}.pdf", documentation_pdf(proposal, unit), "dokumentasi"))
    return files


# -- accounts ------------------------------------------------------------------------------------------------


@dataclass
class Account:
    username: str
    role: str
    unit_code: str = None
    name: str = None
    created: bool = False


def opd_username(unit_code, kind, unit_name):
    if kind == "kecamatan":
        return "camat_" + unit_name.replace("Kecamatan ", "").lower().replace(" ", "")
    if kind == "puskesmas":
        return "pkm_" + unit_name.replace("Puskesmas ", "").lower().replace(" ", "")
    if kind == "smp":
        number, place = unit_name.replace("SMP Negeri ", "").split(" ", 1)
        return f"smpn{number}_{place.lower().replace(' ', '')}"
    return "opd_" + unit_code.lower().replace("-", "_")


def demo_accounts(units):
    """The demo accounts: one per role, plus an OPD account for every unit that proposes."""
    accounts = [
        Account("admin", "Admin", None, "Operator SIKIPP"),
        Account("sekretariat", "Sekretariat", None, "Bagian Organisasi Setda"),
        Account("juri1", "Juri", None, "Ratna Dewi Anggraini"),
        Account("juri2", "Juri", None, "Hadi Prasetyo"),
        Account("juri3", "Juri", "BAPPEDA", "Endang Suryani"),
        Account("bupati", "Penandatangan", None, "Bupati Sidoarjo"),
        Account("hukum", "Hukum", None, "Bagian Hukum Setda"),
    ]
    seen = set()
    for proposal in PROPOSALS:
        if proposal.unit in seen:
            continue
        seen.add(proposal.unit)
        unit = units[proposal.unit]
        accounts.append(Account(opd_username(unit.code, unit.kind, unit.name), "OPD", unit.code,
                                f"Admin Inovasi {unit.name}"))
    return accounts


def ensure_accounts(session, units, password):
    accounts = demo_accounts(units)
    names = [a.username for a in accounts]
    existing = {u.username for u in session.query(User).filter(User.username.in_(names))}
    for account in accounts:
        if account.username in existing:
            continue
        user_commands.add_user(session, username=account.username, password=password, role=account.role,
                              unit_code=account.unit_code, name=account.name)
        account.created = True
    return accounts


def _has_role(user, role):
    return user is not None and role in {r.name for r in user.roles}


def _user_with_role(session, username, role):
    user = session.query(User).filter(User.username == username).one_or_none()
    if _has_role(user, role):
        return user
    for candidate in session.query(User).filter(User.active.is_(True)).order_by(User.id):
        if _has_role(candidate, role):
            return candidate
    raise Invalid(f"No active user with role {role} to act in the demo.")


def _opd_user(session, unit, username):
    user = session.query(User).filter(User.username == username).one_or_none()
    if _has_role(user, "OPD") and user.unit_id == unit.id:
        return user
    for candidate in session.query(User).filter(User.unit_id == unit.id, User.active.is_(True)).order_by(User.id):
        if _has_role(candidate, "OPD"):
            return candidate
    raise Invalid(f"No OPD user of unit {unit.code} to act in the demo.")


# -- competition and proposals ---------------------------------------------------------------------------


def submission_deadline(today):
    """31 July 23:59 local time of the current year, or 30 days from now if that has passed."""
    local_deadline = datetime.datetime(today.year, 7, 31, 23, 59)
    if local_deadline.date() < today + datetime.timedelta(days=30):
        soon = today + datetime.timedelta(days=30)
        local_deadline = datetime.datetime(soon.year, soon.month, soon.day, 23, 59)
    return to_utc_naive(local_deadline)


# -- groups and categories (issue 12 item 1) ----------------------------------------------------------------
# KIPP's groups as the demo competition uses them, and three thematic categories like Sidoarjo's 2025 award
# (illustrative names: the regency's own list is configured per competition).
DEMO_GROUPS = ["umum", "replikasi"]
DEMO_CATEGORIES = ["Pelayanan Publik", "Tata Kelola Pemerintahan", "Daya Saing Daerah"]
# Proposals that replicate another region's innovation (KIPP's replikasi group).
DEMO_REPLIKASI = {"LAPAK PORONG", "GERCEP HT", "ANTAR OBAT", "PANTAU TB"}
_GOVERNANCE_UNITS = {"SETDA-PEM", "BPKAD", "BAPPEDA", "BPPD", "KOMINFO", "DPMD", "DINSOS", "DIKBUD"}
_COMPETITIVENESS_UNITS = {"DISKAN", "DISKOPUM", "DISPERINDAG", "DISNAKER", "DLHK", "DPMPTSP", "KEC-TANGGULANGIN",
                          "KEC-SEDATI"}


def demo_group(proposal):
    return "replikasi" if proposal.acronym in DEMO_REPLIKASI else "umum"


def demo_category(proposal):
    if proposal.unit in _GOVERNANCE_UNITS:
        return "Tata Kelola Pemerintahan"
    if proposal.unit in _COMPETITIVENESS_UNITS:
        return "Daya Saing Daerah"
    return "Pelayanan Publik"


def ensure_competition(session, year, today):
    name = competition_name(year)
    competition = session.query(Competition).filter(Competition.name == name, Competition.year == year).first()
    if competition is not None:
        return competition, False
    competition = Competition(
        name=name, year=year, submission_deadline=submission_deadline(today), min_implementation_years=2,
        max_attachment_mb=5, evidence_kinds=[dict(kind) for kind in DEMO_EVIDENCE_KINDS],
        groups=list(DEMO_GROUPS), categories=list(DEMO_CATEGORIES),
        nomination_quota=dict(DEMO_NOMINATION_QUOTA),  # nomination upward (issue 12 item 8)
        description=("Kompetisi inovasi pelayanan publik bagi seluruh perangkat daerah, kecamatan, puskesmas dan "
                     "SMP Negeri di Kabupaten Sidoarjo: pendaftaran dan pengisian proposal, seleksi administrasi, "
                     "penilaian proposal, presentasi dan wawancara Top 20, verifikasi lapangan, dan penetapan Top 10 "
                     "dengan Keputusan Bupati. Satu OPD minimal satu inovasi."),
    )
    add_default_rounds(competition)
    session.add(competition)
    session.commit()
    return competition, True


# --- nomination upward (issue 12 item 8) ----------------------------------------------------------------------
# KOVABLIK (Jawa Timur) takes at most 3 per region, KIPP 2025 up to 15 per kabupaten/kota (reference/domain.md).
DEMO_NOMINATION_QUOTA = {"provinsi": 3, "nasional": 15}


def nominate_winners(session, competition):
    """Nominate the competition's winners upward through the real command, once: the best 3 to the province,
    all (up to 15) to KIPP. Winners need a signed decree listing their awards (app.services.nominations), so a
    competition without one gets no nomination. Returns the number of nominations made."""
    from app.commands.nominations import Nominate
    from app.models import Nomination
    from app.services import nominations

    if session.query(Nomination.id).filter(Nomination.competition_id == competition.id).first():
        return 0
    ids = [inn.id for inn, _award in nominations.winners(session, competition.id)]
    if not ids:
        return 0
    sekretariat = _user_with_role(session, "sekretariat", "Sekretariat")
    made = 0
    for level in nominations.NOMINATION_LEVELS:
        quota = nominations.quota_of(competition, level)
        chosen = ids if quota is None else ids[:quota]
        if chosen:
            made += len(Nominate(sekretariat, competition.id, chosen, level, session=session).run()["nominated"])
    return made
# --- end nomination upward -------------------------------------------------------------------------------------


def _first_round(session, competition):
    return session.query(Round).filter(Round.competition_id == competition.id).order_by(Round.sequence).first()


def _juror_value(rng, quality):
    value = quality * 100 + rng.uniform(-5, 5)
    return Decimal(str(round(max(0.0, min(100.0, value)) * 2) / 2))  # half points, like 82.5


def _add_sheets(session, innovation, proposal, round_, jurors, final, now):
    """Assign the conflict-free demo jurors; with ``final`` each gets a final sheet scoring every criterion."""
    criteria = session.query(Criterion).filter(Criterion.round_id == round_.id).order_by(Criterion.sequence).all()
    rng = random.Random(f"scores-{proposal.acronym}")
    for number, juror in enumerate(jurors):
        if juror.unit_id is not None and juror.unit_id == innovation.unit_id:
            continue  # conflict of interest: never the innovation's own unit
        exists = session.query(Assignment.id).filter_by(round_id=round_.id, innovation_id=innovation.id,
                                                        juror_id=juror.id).first()
        if exists:
            continue
        assignment = Assignment(round_id=round_.id, innovation_id=innovation.id, juror_id=juror.id,
                                status=AssignmentStatus.ACTIVE.value)
        session.add(assignment)
        if final or number == 0:
            sheet = ScoreSheet(assignment=assignment, comment=rng.choice(JUROR_COMMENTS), is_final=final,
                               submitted_at=now if final else None)
            sheet.scores = [Score(criterion_id=c.id, value=_juror_value(rng, proposal.quality)) for c in criteria]
            session.add(sheet)
    session.commit()


AWARD_TITLES = (("Juara I", 5_000_000), ("Juara II", 3_500_000), ("Juara III", 2_500_000),
                ("Harapan I", 1_500_000), ("Harapan II", 1_000_000), ("Harapan III", 1_000_000))


def _award_data(session, pending, competition):
    """Titles for the innovations about to be awarded: per group × category in the order of the final
    ranking (app.services.ranking, the rule of app.services.scoring); the award's score comes from the same
    ranking (app.services.awards), the rank given here is the place among the awarded."""
    pending = set(pending)
    places = Counter()
    data = {}
    for entry in ranking.final_ranking(session, competition.id):
        if entry["innovation_id"] not in pending:
            continue
        places[entry["bucket"]] += 1  # per group × category (issue 12)
        rank = places[entry["bucket"]]
        title, prize = AWARD_TITLES[min(rank, len(AWARD_TITLES)) - 1]
        data[entry["innovation_id"]] = {"title": title, "prize_amount": prize, "rank": rank}
    return data


def _fire(session, pk, trigger, user, comment=None, data=None):
    from app.lifecycles import innovation_workflow

    innovation_workflow.fire(session, pk, trigger, user, comment=comment, data=data)


def create_proposals(session, competition, units, accounts, today):
    """Create the missing demo proposals and walk each through its plan; returns the number created."""
    sekretariat = _user_with_role(session, "sekretariat", "Sekretariat")
    opd_names = {a.unit_code: a.username for a in accounts if a.role == "OPD"}
    jurors = [u for u in session.query(User).filter(User.username.in_(["juri1", "juri2", "juri3"]))
              .order_by(User.username) if _has_role(u, "Juri")]
    round_ = _first_round(session, competition)
    now = utcnow()

    todo = []  # (innovation id, proposal, unit, opd user)
    for index, proposal in enumerate(PROPOSALS):
        unit = units[proposal.unit]
        exists = session.query(Innovation.id).filter_by(competition_id=competition.id, unit_id=unit.id,
                                                        title=proposal.full_title).first()
        if exists:
            continue
        opd = _opd_user(session, unit, opd_names[unit.code])
        innovation = Innovation(competition_id=competition.id, title=proposal.full_title,
                                started_on=datetime.date.fromisoformat(proposal.started),
                                video_url=video_url(proposal), sdg_goals=list(proposal.sdgs),
                                group=demo_group(proposal), category=demo_category(proposal))
        innovation_service.prepare_new(session, innovation, opd)
        for name, text in proposal_sections(proposal, unit, index, today).items():
            setattr(innovation, name, text)
        innovation.team = teams.clean(demo_team(proposal, unit))
        innovation.created_on = now - datetime.timedelta(days=60 - index)
        session.add(innovation)
        session.commit()
        # the real upload path: PDF checked by content, stored under a generated name, sha256 recorded
        from app.commands.proposals import AddAttachment

        # typed when the competition defines the kind (a demo competition made before evidence kinds has none)
        for filename, data, kind in demo_evidence(proposal, unit, index):
            if not evidence.kinds_of(competition) and kind != "sk_tim":
                continue  # an untyped competition keeps the one SK attachment, as before
            AddAttachment(opd, innovation, filename, data, session=session,
                          kind=kind if evidence.find_kind(competition, kind) else None).run()
        todo.append((innovation.id, proposal, unit, opd))

    # Walk the plans step by step across all proposals, so the history reads like a season.
    longest = max((len(PLANS[p.plan]) for _id, p, _u, _o in todo), default=0)
    award_data = None
    for step in range(longest):
        for pk, proposal, _unit, opd in todo:
            plan = PLANS[proposal.plan]
            if step >= len(plan):
                continue
            trigger = plan[step]
            if trigger == "submit":
                resubmit = step > 0
                _fire(session, pk, "submit", opd,
                      comment="Perbaikan sudah dilengkapi sesuai catatan Sekretariat." if resubmit else None)
            elif trigger == "return":
                _fire(session, pk, "return", sekretariat,
                      comment=proposal.comment or "Mohon lengkapi bukti dukung sebelum diajukan kembali.")
            elif trigger == "withdraw":
                _fire(session, pk, "withdraw", opd, comment=proposal.comment)
            elif trigger == "verify":
                _fire(session, pk, "verify", sekretariat,
                      comment="Seleksi administrasi lengkap; lanjut ke penilaian proposal.",
                      data={"checklist": {item: True for item in competition.effective_checklist()}})
            elif trigger == "reject":
                _fire(session, pk, "reject", sekretariat, comment=proposal.comment)
            elif trigger == "assign":
                _add_sheets(session, session.get(Innovation, pk), proposal, round_, jurors, final=False, now=now)
            elif trigger == "score":
                _add_sheets(session, session.get(Innovation, pk), proposal, round_, jurors, final=True, now=now)
                _fire(session, pk, "score", sekretariat,
                      comment=f"Seluruh lembar nilai babak {round_.name} telah final.")
            elif trigger == "award":
                if award_data is None:
                    pending = [i for i, p, _u, _o in todo if "award" in PLANS[p.plan]]
                    award_data = _award_data(session, pending, competition)
                data = award_data[pk]
                _fire(session, pk, "award", sekretariat, data=data,
                      comment=f"Ditetapkan sebagai {data['title']} kategori {demo_category(proposal)} "
                              f"(kelompok {demo_group(proposal)}).")
    return len(todo)


# -- the previous year and the registry (issue 12 items 5-7) --------------------------------------------------

# Entries of the previous year's competition, by acronym: (award title or None, rank). Those also proposed this
# year are linked to this year's entry as one lineage (the carry-over); the others wait to be carried forward.
PAST_ENTRIES = {
    "SIPRAJA": ("Juara I", 1), "IREBON": ("Juara II", 2), "SAE": ("Juara III", 3), "KOPI PAHIT": ("Juara I", 1),
    "GERCEP HT": ("Juara II", 2), "LAPAK PORONG": ("Juara I", 1), "SIPADES": ("Harapan I", 4),
    "KURASI UMKM": (None, None),
}
# Entries not carried into this year (the demo's OPD users can carry them with "Bawa ke kompetisi baru").
NOT_CARRIED = ("SIPADES", "KURASI UMKM")
# Awards received outside SIKIPP (reference/domain.md: SIPRAJA Top 45 in 2022; IREBON and KOPI PAHIT Top 99 in 2023).
EXTERNAL_AWARDS = (
    ("SIPRAJA", "nasional", 2022, "Top 45 Kompetisi Inovasi Pelayanan Publik (KIPP) KemenPAN-RB"),
    ("IREBON", "nasional", 2023, "Top 99 Kompetisi Inovasi Pelayanan Publik (KIPP) KemenPAN-RB"),
    ("KOPI PAHIT", "nasional", 2023, "Top 99 Kompetisi Inovasi Pelayanan Publik (KIPP) KemenPAN-RB"),
    ("SAE", "provinsi", 2024, "Nominasi KOVABLIK Provinsi Jawa Timur"),
)
# (acronym, replicator, date) — who replicated an awarded innovation.
REPLICATIONS = (
    ("SIPRAJA", "Kabupaten Mojokerto", "2024-05-20"),
    ("SIPRAJA", "Kecamatan Tanggulangin", "2025-02-03"),
    ("KOPI PAHIT", "Puskesmas Sukodono", "2025-08-11"),
    ("IREBON", "Kabupaten Gresik", "2025-10-06"),
)
# This year's sustainability status of last year's awarded entries (GERCEP HT and LAPAK PORONG are left
# unreported: their units see the to-do and get the reminder).
STATUSES = {"SIPRAJA": ("aktif", "Dipakai di seluruh desa/kelurahan; laporan triwulan terlampir."),
            "IREBON": ("berkembang", "Diperluas ke pembudidaya udang vaname di Jabon dan Sedati."),
            "KOPI PAHIT": ("aktif", "Kader pendamping tetap aktif; 2 posyandu baru bergabung."),
            "SAE": ("berkembang", "Kuota antrean daring ditambah untuk layanan akta kelahiran."),
            "SIPADES": ("berhenti", "Aplikasi dihentikan; layanan dialihkan ke SIPRAJA.")}


def _office_contact(unit):
    """The office contact shown in the public catalogue: an office address and the regency's office mailbox
    pattern (invented for the demo; never a person)."""
    if unit.office_address is None:
        unit.office_address = f"Kantor {unit.name}, Kabupaten Sidoarjo, Jawa Timur"
    if unit.office_email is None:
        unit.office_email = f"{unit.code.lower()}@sidoarjokab.go.id"
    if unit.office_phone is None:
        unit.office_phone = "(031) 8921946"


def ensure_previous_year(session, current, units, today):
    """The previous year's finished competition with its entries and awards, this year's carry-overs (one lineage
    each), external awards, replications and sustainability statuses. Idempotent (by names and titles); returns
    (competition, number of entries created)."""
    from app.models import Award, ExternalAward, Replication, Sustainability

    year = today.year - 1
    name = competition_name(year)
    previous = session.query(Competition).filter(Competition.name == name, Competition.year == year).first()
    if previous is None:
        previous = Competition(
            name=name, year=year, submission_deadline=to_utc_naive(datetime.datetime(year, 7, 31, 23, 59)),
            min_implementation_years=2, max_attachment_mb=5,
            description=("Kompetisi tahun lalu (selesai): pemenang ditetapkan dengan Keputusan Bupati. Inovasi "
                         "pemenang dipantau keberlanjutannya setiap tahun dan dapat dibawa ke kompetisi berikutnya."))
        add_default_rounds(previous)
        for rnd in previous.rounds:
            rnd.closed_at = to_utc_naive(datetime.datetime(year, 11, 20, 12, 0))
        session.add(previous)
        session.flush()
    sekretariat = session.query(User).filter(User.username == "sekretariat").first()
    by_acronym = {p.acronym: (i, p) for i, p in enumerate(PROPOSALS)}
    created = 0
    entries = {}
    for acronym, (award_title, rank) in PAST_ENTRIES.items():
        index, proposal = by_acronym[acronym]
        unit = units[proposal.unit]
        _office_contact(unit)
        past = session.query(Innovation).filter_by(competition_id=previous.id, unit_id=unit.id,
                                                   title=proposal.full_title).first()
        if past is None:
            current_entry = session.query(Innovation).filter_by(competition_id=current.id, unit_id=unit.id,
                                                                title=proposal.full_title).first()
            last_year = today.replace(year=year) if not (today.month == 2 and today.day == 29) else \
                today.replace(year=year, day=28)
            past = Innovation(competition_id=previous.id, unit_id=unit.id, title=proposal.full_title,
                              started_on=datetime.date.fromisoformat(proposal.started), video_url=video_url(proposal),
                              sdg_goals=list(proposal.sdgs), state="awarded" if award_title else "rejected",
                              version=1, created_by_id=current_entry.created_by_id if current_entry else None,
                              created_on=to_utc_naive(datetime.datetime(year, 5, 2, 9, 0)))
            for section, text in proposal_sections(proposal, unit, index, last_year).items():
                setattr(past, section, text)
            session.add(past)
            session.flush()
            if award_title:
                prize = dict(AWARD_TITLES).get(award_title)
                session.add(Award(innovation_id=past.id, title=award_title, rank=rank, category=unit.kind,
                                  prize_amount=prize, created_on=to_utc_naive(datetime.datetime(year, 11, 25, 10, 0))))
            if current_entry is not None and acronym not in NOT_CARRIED:
                current_entry.lineage_id = past.lineage_id  # this year's entry carries last year's forward
            created += 1
        entries[acronym] = past
    for acronym, level, award_year, title in EXTERNAL_AWARDS:
        past = entries[acronym]
        if not session.query(ExternalAward.id).filter_by(innovation_id=past.id, title=title).first():
            session.add(ExternalAward(innovation_id=past.id, level=level, year=award_year, title=title,
                                      created_by_id=getattr(sekretariat, "id", None)))
    for acronym, replicator, day in REPLICATIONS:
        past = entries[acronym]
        if not session.query(Replication.id).filter_by(innovation_id=past.id, replicator=replicator).first():
            session.add(Replication(innovation_id=past.id, replicator=replicator,
                                    replicated_on=datetime.date.fromisoformat(day),
                                    evidence="Nota kesepahaman replikasi (arsip Bagian Organisasi)",
                                    created_by_id=getattr(sekretariat, "id", None)))
    for acronym, (status, notes) in STATUSES.items():
        past = entries[acronym]
        if not session.query(Sustainability.id).filter_by(innovation_id=past.id, year=today.year).first():
            session.add(Sustainability(innovation_id=past.id, year=today.year, status=status, notes=notes,
                                       created_by_id=getattr(sekretariat, "id", None)))
    session.commit()
    return previous, created


# -- entry point --------------------------------------------------------------------------------------------


@dataclass
class DemoReport:
    competition_id: int = None
    competition_name: str = None
    competition_created: bool = False
    previous_competition_id: int = None
    previous_entries_created: int = 0
    units_created: int = 0
    units_total: int = 0
    innovations_created: int = 0
    states: Counter = field(default_factory=Counter)
    accounts: list = field(default_factory=list)
    password: str = DEMO_PASSWORD
    seconds: float = 0.0
    nominations_created: int = 0  # nomination upward (issue 12 item 8)

    @property
    def created_usernames(self):
        return [a.username for a in self.accounts if a.created]


def load_demo(session, password=DEMO_PASSWORD, today=None):
    """Load (or complete) the Sidoarjo demo; safe to run again. Returns a :class:`DemoReport`."""
    started = time.perf_counter()
    problem = user_service.password_problem(password)
    if problem:
        raise Invalid(problem, field="password")
    today = today or datetime.datetime.now(local_zone()).date()
    report = DemoReport(password=password)
    units, report.units_created = ensure_units(session)
    report.units_total = len(units)
    report.accounts = ensure_accounts(session, units, password)
    competition, report.competition_created = ensure_competition(session, today.year, today)
    report.competition_id = competition.id
    report.competition_name = competition.name
    report.innovations_created = create_proposals(session, competition, units, report.accounts, today)
    report.nominations_created = nominate_winners(session, competition)  # nomination upward (issue 12 item 8)
    previous, report.previous_entries_created = ensure_previous_year(session, competition, units, today)
    report.previous_competition_id = previous.id
    rows = (session.query(Innovation.state).filter(Innovation.competition_id == competition.id).all())
    report.states = Counter(state for (state,) in rows)
    report.seconds = time.perf_counter() - started
    return report
