"""An everyday example a 定義 item lists (USBメモリ for 外部記録媒体) is read as the term the rules use."""
from retrieval.definition_examples import bridge, listed_examples

# Written the way most 例規 write their 定義 article: one item per term, examples before その他.
DEFINITIONS = ("（定義）\n第二条　この規程において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。\n"
               "一　情報資産　区の情報並びにそれを処理する情報システム、端末及び記録媒体をいう。\n"
               "二　端末　区が職員に貸与するパソコン、タブレット端末その他の電子計算機をいう。\n"
               "三　外部記録媒体　USBメモリ、SDカード、CDその他の可搬型の記録媒体をいう。")
RULE = "第十七条　職員は、外部記録媒体を業務に使用してはならない。"


def test_the_examples_are_the_items_listed_before_sonota():
    assert listed_examples("usbメモリ、sdカード、cdその他の可搬型の記録媒体をいう。") == ["usbメモリ", "sdカード", "cd"]
    assert listed_examples("区の情報並びにそれを処理する情報システム、端末及び記録媒体をいう。") == []  # no その他: parts, not examples


def test_a_question_naming_a_listed_example_is_asked_in_the_defined_term():
    found = bridge("USBメモリって使っていいの？", [RULE, DEFINITIONS])
    assert (found.example, found.term) == ("usbメモリ", "外部記録媒体")
    assert found.question.startswith("外部記録媒体って使っていいの")
    assert bridge("ＳＤカードに保存してもいい？", [DEFINITIONS]).term == "外部記録媒体"  # full-width letters too


def test_no_bridge_where_the_definition_is_the_answer_or_the_question_speaks_the_rules_words():
    assert bridge("USBメモリとは？", [DEFINITIONS]) is None  # asks what it is: the definition answers
    assert bridge("外部記録媒体にUSBメモリは入る？", [DEFINITIONS]) is None  # names the term already
    assert bridge("USBメモリって使っていいの？", [RULE]) is None  # no definition among the passages
    # タブレット端末 is listed for 端末, but the question names 端末 itself
    assert bridge("タブレット端末を家に持ち帰っていい？", [DEFINITIONS]) is None


def test_an_example_must_be_a_word_of_the_question_not_part_of_one():
    assert bridge("CDドライブ付きのパソコンを買っていい？", [DEFINITIONS]) is None
    assert bridge("ABCD社の資料は使っていい？", [DEFINITIONS]) is None
    assert bridge("CDに焼いて渡していい？", [DEFINITIONS]).term == "外部記録媒体"
