"""The store: all SQL and every transaction live in this package. Imports no Flask.

Callers use this facade (`from assetmap import store; store.get_asset(db, 1)`); the modules
behind it are split by what they keep: db (connections, the transaction rule, data version),
schema/schema_features/derived (tables, migrations, what the field registry derives), categories,
assets (reading), edits (changing, with history), areas, indices (deprivation columns), postcodes (a
place's postcodes and place names), access_points, suggestions, jobs, users, assessments, travel
(matrices and road networks), uptake (service use, population by age band, the finder's searches),
backup (whole-file copies).
"""

from assetmap.store.access_points import access_points, count_access_points, set_access_points
from assetmap.store.areas import (
    AREA_COLUMNS_SET,
    area_geometries,
    area_ids,
    area_levels,
    area_rowids,
    area_samples,
    areas_by_ids,
    clear_areas,
    declare_indicators,
    default_level,
    geometry_notes,
    indicator_keys,
    indicator_present,
    level_counts,
    list_areas,
    list_indicators,
    other_level_areas,
    update_area_values,
    upsert_areas,
)
from assetmap.store.assessments import (
    assessment_id_for,
    get_assessment,
    insert_assessment,
    list_assessments,
    previous_run,
    set_narrative,
)
from assetmap.store.assessments import history_rows as assessment_history_rows
from assetmap.store.assets import (
    ORDER_BY,
    asset_exists,
    count_active,
    editor_list,
    extra_of,
    find_matching_asset,
    fts_query,
    get_asset,
    get_public_asset,
    id_for_external_id,
    names_similar,
    point_extent,
    possible_duplicates,
    public_feature_collection,
    public_features,
    public_filter,
    public_points,
    public_rows,
    public_rows_by_id,
    public_rows_for_ids,
    public_sources,
    stale_assets,
)
from assetmap.store.categories import (
    category_labels,
    category_slugs,
    get_category,
    list_categories,
    rural_thresholds,
    upsert_categories,
)
from assetmap.store.db import (
    data_version,
    db_key,
    get_meta,
    now_iso,
    open_database,
    sample_extent,
    set_meta,
    transaction,
)
from assetmap.store.edits import (
    archive_asset,
    asset_history,
    check_version,
    create_asset,
    purge_asset,
    record_change,
    restore_version,
    save_asset,
    snapshot,
    unarchive_asset,
    update_asset,
)
from assetmap.store.import_mappings import mapping_sources, remember_mapping, remembered_mapping
from assetmap.store.indices import deprivation_bands, index_columns
from assetmap.store.locations import assets_to_place, count_by_precision
from assetmap.store.postcodes import (
    all_postcodes,
    count_postcodes,
    find_postcode,
    list_place_names,
    outward_centre,
    postcode_near,
    replace_place_names,
    replace_postcodes,
)
from assetmap.store.schema import AREA_COLUMNS, migrate
from assetmap.store.search import category_rows, finder_index_rows, text_match_ids, text_matches
from assetmap.store.suggestions import add_suggestion, get_suggestion, list_suggestions
from assetmap.store.suggestions import count_pending as count_pending_suggestions
from assetmap.store.suggestions import decide as decide_suggestion
from assetmap.store.travel import (
    active_asset_names,
    area_names,
    matrix_area_ids,
    matrix_asset_ids,
    matrix_pairs,
    network_folder,
    network_folder_for,
    remove_source,
    replace_matrix,
    replace_network,
    travel_source,
    travel_sources,
)
from assetmap.store.uptake import (
    demand_rows,
    get_service_use,
    list_service_uses,
    population_bands,
    population_bands_info,
    record_search,
    replace_population_bands,
    replace_service_use,
    service_use_counts,
)

__all__ = [name for name in dir() if not name.startswith("_")]
